"""QMS record integrity of training: history of changes, closed sessions final in the admin too,
re-opening with a reason, no cascade from a session or a day to its records."""

import datetime

import pytest
from django import forms
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from lms.core.models import Role
from lms.training import services
from lms.training.models import (
    Attendance,
    Registration,
    RegistrationStatus,
    SessionDay,
    SessionStatus,
    TrainingSession,
)
from tests.factories.training import AttendanceFactory, RegistrationFactory, session_with_days


@pytest.fixture
def trainer(make_user, tree):
    return make_user(role=Role.TRAINER, agency=tree["province_a"], username="t_trainer")


@pytest.fixture
def admin_user(make_user, tree):
    return make_user(role=Role.ADMIN, username="t_admin", is_staff=True, is_superuser=True)


def changes(record) -> dict:
    """Field → (old, new) between a history row and the one before it."""
    delta = record.diff_against(record.prev_record)
    return {c.field: (c.old, c.new) for c in delta.changes}


def test_a_cancelled_registration_has_history_with_user_and_old_and_new(client, tree, make_user):
    session = session_with_days(tree["commune_a1"], days=1)
    user = make_user(agency=tree["commune_a1"], username="t_official")
    client.force_login(user)
    client.post(reverse("training:register", args=[session.pk]))
    registration = Registration.objects.get(session=session)
    client.post(reverse("training:cancel", args=[session.pk]))
    last = registration.history.first()
    assert last.history_user == user
    assert changes(last)["status"] == (RegistrationStatus.REGISTERED, RegistrationStatus.CANCELLED)


def test_closing_records_each_registrations_result_and_the_session_status(tree, trainer):
    session = session_with_days(tree["commune_a1"], days=1)
    present = RegistrationFactory(session=session)
    invited = RegistrationFactory(session=session, status=RegistrationStatus.INVITED)
    AttendanceFactory(day=session.days.get(), registration=present)
    services.session_close(session=session, by=trainer)
    for registration, completed in ((present, True), (invited, False)):
        last = registration.history.first()
        assert last.history_user == trainer
        assert changes(last)["completed"] == (None, completed)
    last = session.history.first()
    assert last.history_user == trainer
    assert changes(last)["status"] == (SessionStatus.OPEN, SessionStatus.CLOSED)


def test_invitations_in_bulk_have_history(tree, trainer):
    session = session_with_days(tree["commune_a1"], days=1)
    officials = [RegistrationFactory.build().official for _ in range(3)]
    for official in officials:
        official.save()
    created = services.registration_invite(session=session, officials=officials, by=trainer)
    assert len(created) == 3
    for registration in created:
        assert [(h.history_type, h.history_user) for h in registration.history.all()] == [
            ("+", trainer)
        ]


def test_reopen_needs_a_reason_and_is_recorded(tree, trainer):
    session = session_with_days(tree["commune_a1"], days=1)
    registration = RegistrationFactory(session=session)
    AttendanceFactory(day=session.days.get(), registration=registration)
    services.session_close(session=session, by=trainer)
    with pytest.raises(services.TrainingError):
        services.session_reopen(session=session, by=trainer, reason="  ")
    session = services.session_reopen(session=session, by=trainer, reason="Sửa điểm danh ngày 1")
    assert session.status == SessionStatus.OPEN and session.closed_at is None
    last = session.history.first()
    assert (last.history_user, last.history_change_reason) == (trainer, "Sửa điểm danh ngày 1")
    assert changes(last)["status"] == (SessionStatus.CLOSED, SessionStatus.OPEN)
    registration.refresh_from_db()
    assert registration.completed is None  # results are computed again at the next closing
    assert registration.history.first().history_change_reason == "Sửa điểm danh ngày 1"
    with pytest.raises(services.TrainingError):
        services.session_reopen(session=session, by=trainer, reason="again")


def test_history_page_is_for_admins_not_trainers(client, tree, trainer, admin_user):
    session = session_with_days(tree["commune_a1"], days=1)
    registration = RegistrationFactory(session=session)
    services.registration_cancel(registration=registration, by=trainer)
    url = reverse("admin:training_registration_history", args=[registration.pk])
    client.force_login(trainer)
    assert client.get(url).status_code == 302  # to the admin login
    trainer.is_staff = True
    trainer.save()
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    page = client.get(url)
    assert page.status_code == 200
    assert "cancelled" in page.content.decode().lower()


def _session_form(session, **overrides) -> dict:
    days = list(session.days.all())
    data = {
        "title": session.title,
        "description": session.description,
        "host_agency": session.host_agency_id,
        "venue": session.venue,
        "address": session.address,
        "status": session.status,
        "min_attendance_percent": session.min_attendance_percent,
        "late_after_minutes": session.late_after_minutes,
        "target_positions": "[]",
        "days-TOTAL_FORMS": len(days),
        "days-INITIAL_FORMS": len(days),
        "days-MIN_NUM_FORMS": 0,
        "days-MAX_NUM_FORMS": 1000,
    }
    for i, day in enumerate(days):
        data.update(
            {
                f"days-{i}-id": day.pk,
                f"days-{i}-session": session.pk,
                f"days-{i}-date": day.date.isoformat(),
                f"days-{i}-start_time": day.start_time.strftime("%H:%M"),
                f"days-{i}-end_time": day.end_time.strftime("%H:%M"),
            }
        )
    data.update(overrides)
    return data


def test_closed_session_is_read_only_in_the_admin(client, tree, trainer, admin_user):
    session = session_with_days(tree["commune_a1"], days=1)
    registration = RegistrationFactory(session=session)
    services.session_close(session=session, by=trainer)
    client.force_login(admin_user)
    url = reverse("admin:training_trainingsession_change", args=[session.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert reverse("admin:training_trainingsession_reopen", args=[session.pk]) in (
        page.content.decode()
    )
    posted = client.post(url, _session_form(session, title="Đã sửa", status="open"))
    assert posted.status_code == 403
    session.refresh_from_db()
    assert (session.title, session.status) != ("Đã sửa", SessionStatus.OPEN)
    reg_url = reverse("admin:training_registration_change", args=[registration.pk])
    assert client.post(reg_url, {"status": "cancelled"}).status_code == 403
    delete_url = reverse("admin:training_trainingsession_delete", args=[session.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert TrainingSession.objects.filter(pk=session.pk).exists()


def test_the_admin_form_cannot_close_a_session(client, tree, admin_user):
    session = session_with_days(tree["commune_a1"], days=1)
    client.force_login(admin_user)
    url = reverse("admin:training_trainingsession_change", args=[session.pk])
    page = client.post(url, _session_form(session, status=SessionStatus.CLOSED))
    assert page.status_code == 200 and page.context["adminform"].form.errors["status"]
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN


def test_reopen_in_the_admin_asks_for_the_reason(client, tree, trainer, admin_user):
    session = session_with_days(tree["commune_a1"], days=1)
    services.session_close(session=session, by=trainer)
    client.force_login(admin_user)
    url = reverse("admin:training_trainingsession_reopen", args=[session.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # the form again, with its error
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert client.post(url, {"reason": "Nhập sót điểm danh"}).status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN
    last = session.history.first()
    assert (last.history_user, last.history_change_reason) == (admin_user, "Nhập sót điểm danh")
    client.force_login(trainer)
    assert client.post(url, {"reason": "x"}).status_code == 302  # to the admin login


def test_a_day_or_session_with_records_cannot_be_deleted(client, tree, admin_user):
    session = session_with_days(tree["commune_a1"], days=2)
    day = session.days.first()
    AttendanceFactory(day=day, registration=RegistrationFactory(session=session))
    with pytest.raises(ProtectedError):
        day.delete()
    with pytest.raises(ProtectedError):
        session.delete()
    client.force_login(admin_user)
    url = reverse("admin:training_trainingsession_change", args=[session.pk])
    page = client.post(url, _session_form(session, **{"days-0-DELETE": "on"}))
    assert page.status_code == 200 and page.context["errors"]
    delete_url = reverse("admin:training_trainingsession_delete", args=[session.pk])
    for page in (client.get(delete_url), client.post(delete_url, {"post": "yes"})):
        assert page.context["protected"]
        [message] = page.context["messages"]
        assert message.level_tag == "error"  # "cancel it instead of deleting it"
    assert SessionDay.objects.filter(session=session).count() == 2
    assert Attendance.objects.filter(day=day).count() == 1
    assert Registration.objects.filter(session=session).count() == 1


def test_admin_save_keeps_registered_at(client, tree, admin_user):
    session = session_with_days(tree["commune_a1"], days=1)
    registered_at = timezone.now().replace(microsecond=123456) - datetime.timedelta(days=2)
    registration = RegistrationFactory(session=session, registered_at=registered_at)
    client.force_login(admin_user)
    url = reverse("admin:training_registration_change", args=[registration.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.SplitDateTimeField):
            # The admin's widget shows, and the browser posts back, whole seconds.
            local = timezone.localtime(value) if value else None
            data[f"{name}_0"] = local.strftime("%d/%m/%Y") if local else ""
            data[f"{name}_1"] = local.strftime("%H:%M:%S") if local else ""
        else:
            data[name] = "" if value is None else value
    data["completion_reason"] = "Đã xác minh"
    assert client.post(url, data).status_code == 302
    registration.refresh_from_db()
    assert registration.completion_reason == "Đã xác minh"
    assert registration.registered_at == registered_at
