"""The email outbox: written with the change, sent once, failures retried and recorded."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from lms.core import outbox
from lms.core.models import OutboxMessage, OutboxStatus
from lms.core.tasks import outbox_send
from lms.training import services
from lms.training.models import Registration, RegistrationStatus, SessionStatus
from lms.training.notifications import INVITATION, registrations_notify
from tests.factories.agencies import OfficialFactory
from tests.factories.training import RegistrationFactory, session_with_days


@pytest.fixture
def session(tree):
    return session_with_days(tree["commune_a1"], days=1, status=SessionStatus.OPEN)


def _invite(session, count=3):
    officials = [OfficialFactory() for _ in range(count)]
    return services.registration_invite(session=session, officials=officials, by=None)


def test_rows_are_written_in_the_changes_transaction(session):
    with pytest.raises(RuntimeError), transaction.atomic():
        _invite(session)
        assert OutboxMessage.objects.count() == 3
        raise RuntimeError("the change fails after queueing")
    assert not Registration.objects.exists()
    assert not OutboxMessage.objects.exists()  # rolled back with it
    _invite(session)
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 3
    assert mail.outbox == []  # nothing is sent before the commit


def test_each_message_is_sent_once(session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = _invite(session)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.official.email for r in created)
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 3
    assert outbox.outbox_send_due() == 0
    assert outbox_send.apply().result == 0
    assert len(mail.outbox) == 3
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_same_notice_is_queued_once(session):
    reg = RegistrationFactory(session=session, status=RegistrationStatus.INVITED)
    queryset = Registration.objects.filter(pk=reg.pk)
    assert registrations_notify(kind=INVITATION, registrations=queryset) == 1
    assert registrations_notify(kind=INVITATION, registrations=queryset) == 0
    assert OutboxMessage.objects.count() == 1


def test_a_failed_send_is_recorded_and_retried(session, monkeypatch):
    _invite(session, count=2)
    real_send = mail.EmailMessage.send
    failing = {"left": 1}

    def flaky(self, *args, **kwargs):
        if failing["left"]:
            failing["left"] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", flaky)
    assert outbox.outbox_send_due() == 2
    assert len(mail.outbox) == 1
    failed = OutboxMessage.objects.get(status=OutboxStatus.PENDING)
    assert failed.attempts == 1 and "SMTPServerDisconnected" in failed.last_error
    assert failed.next_attempt_at > timezone.now()  # backed off: not tried again at once
    assert outbox.outbox_send_due() == 0
    OutboxMessage.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    assert outbox.outbox_send_due() == 1
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.SENT and failed.attempts == 2
    assert len(mail.outbox) == 2


def test_gives_up_after_the_last_attempt(session, monkeypatch):
    _invite(session, count=1)
    monkeypatch.setattr(mail.EmailMessage, "send", lambda self, **kw: 1 / 0)
    for _ in range(outbox.MAX_ATTEMPTS):
        OutboxMessage.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(1))
        outbox.outbox_send_due()
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.FAILED and message.attempts == outbox.MAX_ATTEMPTS


def test_a_notice_that_no_longer_applies_is_skipped(session):
    (registration,) = _invite(session, count=1)
    registration.status = RegistrationStatus.CANCELLED
    registration.save()
    assert outbox.outbox_send_due() == 1
    assert mail.outbox == []
    assert OutboxMessage.objects.get().status == OutboxStatus.SKIPPED


def test_broker_down_keeps_the_change_and_its_email(
    session, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox_send, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        created = _invite(session, count=2)
    assert len(created) == 2
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 2
    assert outbox_send.apply().result == 2  # the beat run sends them
    assert len(mail.outbox) == 2


def test_admin_sends_failed_messages_again(session, admin_client):
    _invite(session, count=1)
    OutboxMessage.objects.update(status=OutboxStatus.FAILED, attempts=outbox.MAX_ATTEMPTS)
    response = admin_client.post(
        "/django-admin/core/outboxmessage/",
        {
            "action": "send_again",
            "_selected_action": list(OutboxMessage.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and message.attempts == 0
    assert admin_client.get("/django-admin/core/outboxmessage/").status_code == 200
    assert outbox.outbox_send_due() == 1 and len(mail.outbox) == 1
