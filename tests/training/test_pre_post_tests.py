"""Pre-test and post-test of a session: the pre-test counts each participant's first attempt
within the session (a retake after the training does not erase the gain); the two tests are
different quizzes; the gain is on the web report and in the PDF."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from lms.agencies.selectors import official_for_user
from lms.core.models import Role
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Grading, Sitting
from lms.training import reports
from lms.training.forms import SessionForm
from lms.training.selectors import session_report, session_window
from tests.factories.quizzes import make_quiz
from tests.factories.training import RegistrationFactory, session_with_days


@pytest.fixture
def trainer(make_user, tree):
    return make_user(role=Role.TRAINER, agency=tree["province_a"], username="pp_trainer")


def _sit(quiz, user, *, right: bool, at: datetime.datetime) -> Sitting:
    """One finished attempt started at ``at``: every answer right, or every answer wrong."""
    sitting = quiz_services.sitting_start(quiz=quiz, user=user, now=at)
    answers = {}
    for response in sitting.responses.select_related("question"):
        choice = response.question.choices.filter(fraction=1 if right else 0).first()
        answers[response.pk] = [str(choice.pk)]
    sitting = quiz_services.sitting_submit(sitting=sitting, answers=answers, now=at)
    assert sitting.is_final
    return sitting


@pytest.fixture
def course(tree, make_user):
    pre = make_quiz(2, grading=Grading.HIGHEST, title="Kiểm tra đầu vào")
    post = make_quiz(2, title="Kiểm tra đầu ra")
    session = session_with_days(
        tree["commune_a1"], days=2, title="Lớp ISO cấp xã", pre_test=pre, post_test=post
    )
    learner = make_user(username="pp_learner", official_agency=tree["commune_a1"])
    official = official_for_user(learner)
    RegistrationFactory(session=session, official=official, agency=tree["commune_a1"])
    start, end = session_window(session)
    before = start - datetime.timedelta(days=30)
    during = start + datetime.timedelta(minutes=5)
    after = end + datetime.timedelta(days=3)
    _sit(pre, learner, right=True, at=before)  # another course, long before: not this session
    _sit(pre, learner, right=False, at=during)  # the pre-test of this session: 0 %
    _sit(post, learner, right=True, at=during + datetime.timedelta(hours=1))  # 100 %
    _sit(pre, learner, right=True, at=after)  # a retake after the training: 100 %
    return session, official


def test_the_window_runs_from_creation_to_the_end_of_the_last_day(course):
    session, _official = course
    start, end = session_window(session)
    last = session.days.order_by("-date").first()
    assert start == session.created_at
    assert timezone.localtime(end).date() == last.date
    assert timezone.localtime(end).time() == last.end_time


def test_pre_test_is_the_first_attempt_within_the_session(course):
    session, official = course
    report = session_report(session)
    (row,) = report["rows"]
    assert row["official"] == official
    # The quiz's own rule (highest attempt) would say 100 and erase the gain.
    assert (row["pre"], row["post"], row["gain"]) == (0, 100, 100)
    assert report["gain_mean"] == 100


def test_an_unfinished_first_attempt_gives_no_pre_test_score(tree, make_user):
    pre, post = make_quiz(1), make_quiz(1)
    session = session_with_days(tree["commune_a1"], pre_test=pre, post_test=post)
    learner = make_user(username="pp_open", official_agency=tree["commune_a1"])
    RegistrationFactory(
        session=session, official=official_for_user(learner), agency=tree["commune_a1"]
    )
    start, _end = session_window(session)
    quiz_services.sitting_start(quiz=pre, user=learner, now=start + datetime.timedelta(minutes=1))
    (row,) = session_report(session)["rows"]
    assert row["pre"] is None and row["gain"] is None


def test_web_report_shows_the_gain(course, client, trainer):
    session, _official = course
    client.force_login(trainer)
    page = client.get(reverse("training:session_report", args=[session.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert page.context["gain_mean"] == 100
    header = next(
        h
        for h in re.findall(r"<thead>.*?</thead>", body, re.S)
        if "Pre-test" in h or "đầu vào" in h
    )
    assert translation.gettext("Gain") in header
    cells = re.findall(r'<td class="num">([^<]*)</td>', body)
    assert cells[-3:] == ["0,0", "100,0", "100,0"] or cells[-3:] == ["0.0", "100.0", "100.0"]


def test_pdf_report_shows_the_gain(course):
    session, _official = course
    with translation.override("vi"):
        content = reports.report_pdf(session_report(session), issued_on=datetime.date(2026, 12, 5))
    text = re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    )
    assert "Mức tăng" in text
    assert "Mức tăng trung bình: 100,0" in text, text


def test_the_same_quiz_cannot_be_pre_and_post_test(tree, trainer):
    quiz = make_quiz(1)
    session = session_with_days(tree["commune_a1"], pre_test=quiz)
    session.post_test = quiz
    with pytest.raises(ValidationError) as refused:
        session.full_clean()
    assert "post_test" in refused.value.message_dict
    other = make_quiz(1)
    session.post_test = other
    session.full_clean()


def test_the_session_form_refuses_the_same_quiz_twice(tree, trainer):
    quiz = make_quiz(1)
    data = {
        "title": "Tập huấn",
        "host_agency": tree["commune_a1"].pk,
        "days": "15/12/2026 08:00-11:30",
        "status": "open",
        "min_attendance_percent": "100",
        "late_after_minutes": "15",
        "pre_test": quiz.pk,
        "post_test": quiz.pk,
    }
    form = SessionForm(data=data, user=trainer)
    assert not form.is_valid()
    assert "post_test" in form.errors
    data["post_test"] = make_quiz(1).pk
    form = SessionForm(data=data, user=trainer)
    assert form.is_valid(), form.errors
