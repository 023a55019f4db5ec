"""Beat: ``lms.training.tasks.send_reminders`` once a day queues the day-before reminders.

The other notices about sessions are queued by the services in the change's own transaction
(lms/training/notifications.py); the outbox sends them all (lms/core/outbox.py).
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import DatabaseError, transaction
from django.utils import timezone

from .models import Registration, RegistrationStatus, SessionDay
from .notifications import REMINDER, registrations_notify


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def send_reminders(today: str | None = None) -> int:
    """Queue a reminder of tomorrow's session day, once per registration and day."""
    base = datetime.date.fromisoformat(today) if today else timezone.localdate()
    tomorrow = base + datetime.timedelta(days=1)
    queued = 0
    days = SessionDay.objects.filter(date=tomorrow, session__status__in=["scheduled", "open"])
    with transaction.atomic():
        for day in days:
            queued += registrations_notify(
                kind=REMINDER,
                registrations=Registration.objects.filter(
                    session_id=day.session_id, status=RegistrationStatus.REGISTERED
                ),
                day=day.pk,
            )
    return queued
