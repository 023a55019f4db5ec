import datetime
import io
import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from lms.agencies.models import PositionKind
from lms.core.models import Role
from lms.training import services
from lms.training.models import Registration, RegistrationStatus, SessionStatus
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.factories.training import RegistrationFactory, session_with_days


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions below read the English messages."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _official(agency, position=PositionKind.SPECIALIST, **kwargs):
    official = OfficialFactory(**kwargs)
    AssignmentFactory(
        official=official,
        agency=agency,
        position_kind=position,
        start_date=datetime.date(2024, 1, 1),
    )
    return official


@pytest.fixture
def trainer(make_user, tree):
    return make_user(role=Role.TRAINER, agency=tree["province_a"], username="t_trainer")


def test_invite_targets_is_bulk_idempotent_and_filters_positions(
    tree, trainer, django_capture_on_commit_callbacks
):
    session = session_with_days(tree["province_a"], days=1)
    session.target_agencies.set([tree["province_a"]])
    session.target_positions = [PositionKind.ISO_SECRETARY]
    session.save()
    sec_a1 = _official(tree["commune_a1"], PositionKind.ISO_SECRETARY)
    sec_a2 = _official(tree["commune_a2"], PositionKind.ISO_SECRETARY)
    _official(tree["commune_a1"], PositionKind.SPECIALIST)  # wrong position
    _official(tree["commune_b1"], PositionKind.ISO_SECRETARY)  # outside the target
    gone = _official(tree["commune_a1"], PositionKind.ISO_SECRETARY)
    gone.assignments.update(end_date=datetime.date(2025, 6, 30))  # no longer there
    with django_capture_on_commit_callbacks(execute=True):
        created = services.session_invite_targets(session=session, by=trainer)
    assert {r.official for r in created} == {sec_a1, sec_a2}
    assert {r.agency for r in created} == {tree["commune_a1"], tree["commune_a2"]}
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        again = services.session_invite_targets(session=session, by=trainer)
    assert again == []
    assert Registration.objects.filter(session=session).count() == 2
    assert len(mail.outbox) == 2


def test_invitation_is_queued_and_sent_once(tree, trainer, django_capture_on_commit_callbacks):
    from lms.training.notifications import INVITATION, registrations_notify

    session = session_with_days(tree["province_a"], days=1)
    reg = RegistrationFactory(session=session, status=RegistrationStatus.INVITED)
    for expected in (1, 0):
        with django_capture_on_commit_callbacks(execute=True):
            queued = registrations_notify(
                kind=INVITATION, registrations=Registration.objects.filter(pk=reg.pk)
            )
        assert queued == expected
    assert len(mail.outbox) == 1
    assert session.title in mail.outbox[0].subject


def test_roster_csv_all_or_nothing_names_bad_rows(client, tree, trainer):
    session = session_with_days(tree["commune_a1"], days=1)
    _official(tree["commune_a1"], staff_code="NV001")
    _official(tree["commune_a1"], full_name="Nguyễn Văn Đức")
    content = (
        "staff_code,full_name,agency_code\nNV001,,\nNV404,,\n"
        ",Nguyễn Văn Đức,91001\n,Trần Thị Không,91001\n,Ai Đó,99999\n"
    )
    client.force_login(trainer)
    upload = io.BytesIO(content.encode())
    upload.name = "danh-sach.csv"
    response = client.post(reverse("training:roster_upload", args=[session.pk]), {"file": upload})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert "danh-sach.csv, row 3" in errors and "NV404" in errors
    assert "row 5" in errors and "row 6" in errors
    assert "row 2" not in errors and "row 4" not in errors
    assert not Registration.objects.exists()


def test_roster_xlsx_invites_everyone(client, tree, trainer):
    from openpyxl import Workbook

    session = session_with_days(tree["commune_a1"], days=1)
    a = _official(tree["commune_a1"], staff_code="NV001")
    b = _official(tree["commune_a2"], full_name="Lê Thị Hoa")
    wb = Workbook()
    wb.active.append(["staff_code", "full_name", "agency_code"])
    wb.active.append(["NV001", None, None])
    wb.active.append([None, "lê thị hoa", "91002"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "roster.xlsx"
    client.force_login(trainer)
    response = client.post(reverse("training:roster_upload", args=[session.pk]), {"file": buf})
    assert response.status_code == 302
    assert set(Registration.objects.values_list("official", flat=True)) == {a.pk, b.pk}


def test_roster_rejects_other_file_types():
    with pytest.raises(services.RosterError) as exc:
        services.roster_parse(name="list.txt", content=b"x")
    assert "list.txt" in exc.value.messages[0]


def test_capacity_and_waitlist_then_promotion_notifies(tree, django_capture_on_commit_callbacks):
    session = session_with_days(tree["commune_a1"], days=1, capacity=2)
    officials = [_official(tree["commune_a1"]) for _ in range(4)]
    regs = [services.registration_register(session=session, official=o) for o in officials]
    assert [r.status for r in regs] == ["registered", "registered", "waitlisted", "waitlisted"]
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=regs[0])
    regs = [Registration.objects.get(pk=r.pk) for r in regs]
    assert [r.status for r in regs] == ["cancelled", "registered", "registered", "waitlisted"]
    assert [m.to for m in mail.outbox] == [[officials[2].email]]


def test_sequential_cancellations_promote_in_order(tree):
    session = session_with_days(tree["commune_a1"], days=1, capacity=2)
    regs = [
        services.registration_register(session=session, official=_official(tree["commune_a1"]))
        for _ in range(5)
    ]
    services.registration_cancel(registration=regs[0])
    services.registration_cancel(registration=regs[1])
    statuses = list(
        Registration.objects.filter(session=session)
        .order_by("registered_at", "pk")
        .values_list("status", flat=True)
    )
    assert statuses == ["cancelled", "cancelled", "registered", "registered", "waitlisted"]
    # Cancelling twice is harmless and frees nothing more.
    services.registration_cancel(registration=regs[0])
    assert Registration.objects.filter(session=session, status="registered").count() == 2


def test_register_refused_after_deadline_or_when_not_open(tree):
    session = session_with_days(
        tree["commune_a1"],
        days=1,
        registration_deadline=timezone.now() - datetime.timedelta(hours=1),
    )
    with pytest.raises(services.TrainingError):
        services.registration_register(session=session, official=_official(tree["commune_a1"]))
    session.registration_deadline = None
    session.status = SessionStatus.SCHEDULED
    session.save()
    with pytest.raises(services.TrainingError):
        services.registration_register(session=session, official=_official(tree["commune_a1"]))


def test_official_registers_declines_and_cancels_through_views(client, make_user, tree):
    session = session_with_days(tree["commune_a1"], days=1, capacity=5)
    user = make_user(role=Role.LEARNER, agency=tree["commune_a1"], username="t_learner")
    reg = RegistrationFactory(
        session=session, official=user.official, status=RegistrationStatus.INVITED
    )
    client.force_login(user)
    client.post(reverse("training:register", args=[session.pk]))
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.REGISTERED
    client.post(reverse("training:cancel", args=[session.pk]))
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.CANCELLED
    other = session_with_days(tree["commune_a1"], days=1)
    inv = RegistrationFactory(
        session=other, official=user.official, status=RegistrationStatus.INVITED
    )
    client.post(reverse("training:decline", args=[other.pk]))
    inv.refresh_from_db()
    assert inv.status == RegistrationStatus.DECLINED


def test_secretary_registers_only_officials_in_scope(client, make_user, tree):
    session = session_with_days(tree["province_a"], days=1, capacity=1)
    session.target_agencies.set([tree["province_a"], tree["province_b"]])
    secretary = make_user(
        role=Role.ISO_SECRETARY,
        agency=tree["commune_a1"],
        username="t_sec",
        position=PositionKind.ISO_SECRETARY,
    )
    mine1, mine2 = _official(tree["commune_a1"]), _official(tree["commune_a1"])
    theirs = _official(tree["commune_b1"])
    client.force_login(secretary)
    url = reverse("training:secretary_register", args=[session.pk])
    response = client.get(url)
    choices = set(response.context["form"].fields["officials"].queryset)
    assert {mine1, mine2} <= choices and theirs not in choices
    response = client.post(url, {"officials": [theirs.pk]})
    assert response.status_code == 200  # not a valid choice
    assert not Registration.objects.filter(official=theirs).exists()
    client.post(url, {"officials": [mine1.pk, mine2.pk]})
    statuses = dict(
        Registration.objects.filter(session=session).values_list("official_id", "status")
    )
    assert sorted(statuses.values()) == ["registered", "waitlisted"]
    assert Registration.objects.get(official=mine1).registered_by == secretary


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_cancellations_promote_correctly(tree):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    session = session_with_days(tree["commune_a1"], days=1, capacity=3)
    regs = [
        services.registration_register(session=session, official=_official(tree["commune_a1"]))
        for _ in range(7)
    ]
    barrier = threading.Barrier(3)
    errors = []

    def cancel(reg):
        from django.db import connections

        try:
            barrier.wait()
            services.registration_cancel(registration=reg)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cancel, args=(r,)) for r in regs[:3]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    statuses = list(
        Registration.objects.filter(session=session)
        .order_by("registered_at", "pk")
        .values_list("status", flat=True)
    )
    assert statuses == ["cancelled"] * 3 + ["registered"] * 3 + ["waitlisted"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_respect_capacity(tree):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    session = session_with_days(tree["commune_a1"], days=1, capacity=2)
    officials = [_official(tree["commune_a1"]) for _ in range(6)]
    barrier = threading.Barrier(len(officials))

    def register(official):
        from django.db import connections

        try:
            barrier.wait()
            services.registration_register(session=session, official=official)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(o,)) for o in officials]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Registration.objects.filter(session=session, status="registered").count() == 2
    assert Registration.objects.filter(session=session, status="waitlisted").count() == 4


def test_roster_reads_semicolons_and_vietnamese_headers(client, tree, trainer):
    session = session_with_days(tree["commune_a1"], days=1)
    a = _official(tree["commune_a1"], staff_code="NV001")
    b = _official(tree["commune_a2"], full_name="Lê Thị Hoa")
    content = "\ufeffMã cán bộ;Họ và tên;Mã đơn vị\nNV001;;\n;Lê Thị Hoa;91002\n"
    client.force_login(trainer)
    upload = io.BytesIO(content.encode())
    upload.name = "danh-sach.csv"
    response = client.post(reverse("training:roster_upload", args=[session.pk]), {"file": upload})
    assert response.status_code == 302, response.context["form"].errors
    assert set(Registration.objects.values_list("official", flat=True)) == {a.pk, b.pk}


def test_roster_refuses_blank_row_bombs_and_over_size_files(client, tree, trainer, monkeypatch):
    from tests.core.test_tabular import blank_rows, hand_made_xlsx

    monkeypatch.setattr(services, "ROSTER_MAX_ROWS", 100, raising=False)
    session = session_with_days(tree["commune_a1"], days=1)
    client.force_login(trainer)
    url = reverse("training:roster_upload", args=[session.pk])
    bomb = io.BytesIO(hand_made_xlsx(blank_rows(5000)))
    bomb.name = "bomb.xlsx"
    response = client.post(url, {"file": bomb})
    assert "bomb.xlsx, row 102: more than 100 rows" in " ".join(
        response.context["form"].errors["file"]
    )
    big = io.BytesIO(b"staff_code\n" + b"NV001\n" * 1_000_000)
    big.name = "big.csv"
    response = client.post(url, {"file": big})
    assert response.context["form"].errors["file"] == ["big.csv: the file is larger than 5 MB."]
    assert not Registration.objects.exists()
