"""Due-date emails of assigned courses, written to the outbox (lms/core/outbox.py states the
guarantees) and rendered when sent: a reminder to the official before the due date, and a weekly
digest of overdue officials to each ISO secretary.

Each is queued once: the outbox key names the enrolment, its due date and the reminder (or the
secretary and the week), and the outbox never queues a key twice, so its row is the record that
the notice was sent.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from lms.core.models import OutboxMessage
from lms.core.outbox import Mail, register

DUE_REMINDER = "courses.due_reminder"
OVERDUE_DIGEST = "courses.overdue_digest"
DIGEST_LINES = 100  # officials listed in a digest; the total is always given


def due_reminder_message(*, enrolment_id: int, due_date, days: int, recipient: str):
    return OutboxMessage(
        key=f"{DUE_REMINDER}:{enrolment_id}:{due_date.isoformat()}:{days}",
        kind=DUE_REMINDER,
        recipient=recipient,
        payload={"enrolment": enrolment_id, "days": days, "due_date": due_date.isoformat()},
    )


def overdue_digest_message(*, user_id: int, recipient: str, day: datetime.date):
    year, week, _weekday = day.isocalendar()
    return OutboxMessage(
        key=f"{OVERDUE_DIGEST}:{user_id}:{year}-W{week:02d}",
        kind=OVERDUE_DIGEST,
        recipient=recipient,
        payload={"user": user_id, "day": day.isoformat()},
    )


def _render(template: str, context: dict) -> Mail:
    context = {**context, "site_url": getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"courses/email/{template}_subject.txt", context)
        body = render_to_string(f"courses/email/{template}.txt", context)
    return Mail(subject=" ".join(subject.split()), body=body)


@register(DUE_REMINDER)
def render_due_reminder(message: OutboxMessage) -> Mail | None:
    """None once the course is completed or its due date has changed."""
    from .models import Enrolment

    enrolment = (
        Enrolment.objects.select_related("official", "course")
        .filter(pk=message.payload["enrolment"], completed_at__isnull=True)
        .first()
    )
    if enrolment is None or enrolment.due_date is None:
        return None
    if enrolment.due_date.isoformat() != message.payload["due_date"]:
        return None
    return _render("due_reminder", {"enrolment": enrolment})


@register(OVERDUE_DIGEST)
def render_overdue_digest(message: OutboxMessage) -> Mail | None:
    """The officials overdue now in the secretary's agencies; None if there are none left."""
    from django.contrib.auth import get_user_model

    from .selectors import overdue_enrolments_for

    user = get_user_model().objects.filter(pk=message.payload["user"], is_active=True).first()
    if user is None:
        return None
    day = datetime.date.fromisoformat(message.payload["day"])
    overdue = overdue_enrolments_for(user, on=day)
    total = overdue.count()
    if not total:
        return None
    lines = list(overdue.select_related("official", "course", "agency")[:DIGEST_LINES])
    return _render(
        "overdue_digest", {"user": user, "lines": lines, "total": total, "more": total - len(lines)}
    )
