"""Notifications about sessions: tasks take ids, are idempotent (NotificationLog keys), ack late.

Beat: ``lms.training.tasks.send_reminders`` once a day sends the day-before reminder.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Registration, RegistrationStatus, SessionDay, TrainingSession
from .services import notification_claim

TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "max_retries": 5,
}

NOTIFY_STATUSES = (
    RegistrationStatus.INVITED,
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
)


def _send(
    *, key: str, kind: str, registration: Registration, template: str, context: dict | None = None
) -> bool:
    """Send one email once; log row and send share a transaction, so a failed send is retried."""
    email = registration.official.email or getattr(registration.official.user, "email", "")
    if not email:
        return False
    with transaction.atomic():
        if not notification_claim(key=key, kind=kind, registration_id=registration.pk):
            return False
        with translation.override(settings.LANGUAGE_CODE):
            ctx = {
                "registration": registration,
                "session": registration.session,
                "site_url": getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/"),
                **(context or {}),
            }
            subject = render_to_string(f"training/email/{template}_subject.txt", ctx).strip()
            body = render_to_string(f"training/email/{template}.txt", ctx)
        send_mail(" ".join(subject.split()), body, None, [email])
    return True


def _registrations(ids):
    return Registration.objects.filter(pk__in=ids).select_related(
        "official__user", "session__host_agency"
    )


@shared_task(**TASK_OPTIONS)
def notify_invitations(registration_ids: list[int]) -> int:
    sent = 0
    for registration in _registrations(registration_ids).filter(status=RegistrationStatus.INVITED):
        sent += _send(
            key=f"invite:{registration.pk}",
            kind="invitation",
            registration=registration,
            template="invitation",
        )
    return sent


@shared_task(**TASK_OPTIONS)
def notify_promotion(registration_id: int) -> int:
    sent = 0
    for registration in _registrations([registration_id]).filter(
        status=RegistrationStatus.REGISTERED
    ):
        sent += _send(
            key=f"promoted:{registration.pk}",
            kind="promotion",
            registration=registration,
            template="promotion",
        )
    return sent


@shared_task(**TASK_OPTIONS)
def notify_session_changed(session_id: int, revision: int) -> int:
    session = TrainingSession.objects.filter(pk=session_id).first()
    if session is None:
        return 0
    days = list(session.days.all())
    sent = 0
    regs = Registration.objects.filter(session=session, status__in=NOTIFY_STATUSES).select_related(
        "official__user", "session"
    )
    for registration in regs:
        sent += _send(
            key=f"changed:{registration.pk}:{revision}",
            kind="change",
            registration=registration,
            template="changed",
            context={"days": days},
        )
    return sent


@shared_task(**TASK_OPTIONS)
def notify_session_cancelled(session_id: int) -> int:
    sent = 0
    regs = Registration.objects.filter(
        session_id=session_id, status__in=NOTIFY_STATUSES
    ).select_related("official__user", "session")
    for registration in regs:
        sent += _send(
            key=f"cancelled:{registration.pk}",
            kind="cancellation",
            registration=registration,
            template="cancelled",
        )
    return sent


@shared_task(**TASK_OPTIONS)
def send_reminders(today: str | None = None) -> int:
    """Remind registered officials of tomorrow's session day, once per registration and day."""
    base = datetime.date.fromisoformat(today) if today else timezone.localdate()
    tomorrow = base + datetime.timedelta(days=1)
    sent = 0
    days = SessionDay.objects.filter(
        date=tomorrow, session__status__in=["scheduled", "open"]
    ).select_related("session")
    for day in days:
        regs = Registration.objects.filter(
            session=day.session, status=RegistrationStatus.REGISTERED
        ).select_related("official__user", "session")
        for registration in regs:
            sent += _send(
                key=f"reminder:{registration.pk}:{day.pk}",
                kind="reminder",
                registration=registration,
                template="reminder",
                context={"day": day},
            )
    return sent
