"""Completion follows attendance (issue 12): whoever attended counts; no attendance or closing
ahead of time; the close page shows what will happen and asks to confirm."""

import datetime

import pytest
from django.urls import reverse

from lms.training import services
from lms.training.attendance import AttendanceError, attendance_mark, walkin_add, walkin_match
from lms.training.models import (
    AttendanceMethod,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionStatus,
)
from lms.training.signals import session_completed
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.factories.training_attendance import DayFactory, RegistrationFactory, attendance_world

DAY1 = datetime.date(2026, 12, 1)


@pytest.fixture
def world(make_user, tree):
    found = attendance_world(make_user, tree, officials=3)
    found["day2"] = DayFactory(session=found["session"], date=DAY1 + datetime.timedelta(days=1))
    return found


def _invited(world, tree, name="Vũ Văn Mời"):
    official = OfficialFactory(full_name=name)
    AssignmentFactory(official=official, agency=tree["commune_a1"])
    return RegistrationFactory(
        session=world["session"],
        official=official,
        status=RegistrationStatus.INVITED,
        registered_at=None,
    )


def _present_both_days(world, registration, method=AttendanceMethod.TRAINER):
    for day in (world["day"], world["day2"]):
        attendance_mark(
            day=day, registration=registration, status="present", method=method, by=world["trainer"]
        )


def test_invited_official_marked_present_is_registered_and_completes(world, tree):
    invited = _invited(world, tree)
    _present_both_days(world, invited)
    invited.refresh_from_db()
    assert invited.status == RegistrationStatus.REGISTERED
    assert invited.source == RegistrationSource.ON_THE_DAY
    assert invited.registered_by == world["trainer"]
    # The change is in the registration's history, by the trainer.
    last = invited.history.first()
    assert last.status == RegistrationStatus.REGISTERED and last.history_user == world["trainer"]

    sent = []

    def receiver(sender, registration, **kwargs):
        sent.append(registration.pk)

    session_completed.connect(receiver)
    try:
        services.session_close(session=world["session"], by=world["trainer"])
    finally:
        session_completed.disconnect(receiver)
    invited.refresh_from_db()
    assert invited.completed is True
    assert sent.count(invited.pk) == 1


def test_absent_mark_does_not_register_an_invitation(world, tree):
    invited = _invited(world, tree, name="Vũ Văn Vắng")
    attendance_mark(
        day=world["day"], registration=invited, status="absent", method="trainer", by=None
    )
    invited.refresh_from_db()
    assert invited.status == RegistrationStatus.INVITED and invited.source == ""


def test_matched_walk_in_is_registered_and_completes(world, tree):
    official = OfficialFactory(full_name="Đinh Thị Vãng Lai")
    AssignmentFactory(official=official, agency=tree["commune_a1"])
    # Invited but never registered: the walk-in match must register them all the same.
    Registration.objects.create(
        session=world["session"], official=official, status=RegistrationStatus.INVITED
    )
    for day in (world["day"], world["day2"]):
        walk_in = walkin_add(day=day, full_name="Đinh Thị Vãng Lai", by=world["trainer"])
        registration = walkin_match(walk_in=walk_in, official=official, by=world["trainer"])
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.source == RegistrationSource.WALK_IN
    services.session_close(session=world["session"], by=world["trainer"])
    registration.refresh_from_db()
    assert registration.completed is True


def test_report_lists_on_the_day_registrations_and_unmatched_walk_ins(world, tree, client):
    invited = _invited(world, tree, name="Vũ Văn Mời")
    _present_both_days(world, invited)
    walkin_add(day=world["day"], full_name="Người Lạ Chưa Khớp", agency_name="Xã X", by=None)
    client.force_login(world["trainer"])
    page = client.get(reverse("training:session_report", args=[world["session"].pk]))
    text = page.content.decode()
    assert "Vũ Văn Mời" in text
    assert str(RegistrationSource.ON_THE_DAY.label) in text
    assert "Người Lạ Chưa Khớp" in text and "Xã X" in text


def test_attendance_for_a_future_day_is_refused(world, training_today):
    training_today(DAY1)  # the first day is today, the second tomorrow
    registration = world["registrations"][0]
    attendance_mark(
        day=world["day"], registration=registration, status="present", method="qr", by=None
    )
    with pytest.raises(AttendanceError, match="02/12/2026"):
        attendance_mark(
            day=world["day2"], registration=registration, status="present", method="qr", by=None
        )
    with pytest.raises(AttendanceError):
        walkin_add(day=world["day2"], full_name="Người Đến Sớm", by=None)
    assert not world["day2"].attendances.exists()


def test_trainer_views_refuse_a_future_day(world, training_today, client):
    training_today(DAY1)
    client.force_login(world["trainer"])
    kw = {"pk": world["session"].pk, "day_pk": world["day2"].pk}
    page = client.get(reverse("training:attendance_take", kwargs=kw)).content.decode()
    assert "02/12/2026" in page and 'name="status"' not in page
    response = client.post(
        reverse("training:attendance_mark", kwargs=kw),
        {"registration": world["registrations"][0].pk, "status": "present"},
    )
    assert response.status_code == 302
    assert not world["day2"].attendances.exists()
    # The projector shows no code for a day still to come, and the QR fragment is not served.
    display = client.get(reverse("training:checkin_display", kwargs=kw)).content.decode()
    assert "<svg" not in display
    assert 'id="att-qr"' not in display
    assert client.get(reverse("training:checkin_qr", kwargs=kw)).status_code == 404
    # Today's day shows it.
    today_kw = {"pk": world["session"].pk, "day_pk": world["day"].pk}
    assert (
        'id="att-qr"'
        in client.get(reverse("training:checkin_display", kwargs=today_kw)).content.decode()
    )


def test_closing_before_the_last_day_needs_end_early_with_reason(world, training_today):
    training_today(DAY1)
    session, trainer = world["session"], world["trainer"]
    with pytest.raises(services.TrainingError, match="02/12/2026"):
        services.session_close(session=session, by=trainer)
    with pytest.raises(services.TrainingError):
        services.session_close(session=session, by=trainer, end_early=True, reason="  ")
    session.refresh_from_db()
    assert session.status != SessionStatus.CLOSED
    services.session_close(
        session=session, by=trainer, end_early=True, reason="Bão số 3, dừng lớp học"
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert session.ended_early_reason == "Bão số 3, dừng lớp học"
    assert "Bão số 3" in session.history.first().history_change_reason


def test_close_page_previews_names_and_needs_confirmation(world, tree, client):
    session, trainer = world["session"], world["trainer"]
    done, partly = world["registrations"][1], world["registrations"][2]
    _present_both_days(world, done)
    attendance_mark(day=world["day"], registration=partly, status="present", method="qr", by=None)
    _invited(world, tree, name="Vũ Văn Không Đến")
    client.force_login(trainer)
    url = reverse("training:session_close", args=[session.pk])
    page = client.get(url).content.decode()
    completing = page.split('id="close-completing"')[1].split("</section>")[0]
    not_completing = page.split('id="close-not-completing"')[1].split("</section>")[0]
    assert done.official.full_name in completing and partly.official.full_name not in completing
    assert partly.official.full_name in not_completing
    assert "Vũ Văn Không Đến" in page.split('id="close-not-taking-part"')[1]
    # Without the confirmation box nothing is closed.
    response = client.post(url, {})
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.status != SessionStatus.CLOSED
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED


def test_close_page_before_the_last_day_asks_for_a_reason(world, client, training_today):
    training_today(DAY1)
    session = world["session"]
    client.force_login(world["trainer"])
    url = reverse("training:session_close", args=[session.pk])
    assert 'name="reason"' in client.get(url).content.decode()
    assert client.post(url, {"confirm": "on"}).status_code == 400
    session.refresh_from_db()
    assert session.status != SessionStatus.CLOSED
    assert client.post(url, {"confirm": "on", "reason": "Giảng viên ốm"}).status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED and session.ended_early_reason == "Giảng viên ốm"
