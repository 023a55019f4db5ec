"""Emails to officials about their sessions, written to the outbox with the change that
causes them (lms/core/outbox.py states the guarantees) and rendered when sent."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from lms.core.models import OutboxMessage
from lms.core.outbox import Mail, outbox_enqueue, register

from .models import Registration, RegistrationStatus, SessionDay

INVITATION = "training.invitation"
PROMOTION = "training.promotion"
CHANGE = "training.change"
CANCELLATION = "training.cancellation"
REMINDER = "training.reminder"

NOTIFY_STATUSES = (
    RegistrationStatus.INVITED,
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
)
# kind -> (template under training/email/, registration statuses it is still sent to)
KINDS = {
    INVITATION: ("invitation", (RegistrationStatus.INVITED,)),
    PROMOTION: ("promotion", (RegistrationStatus.REGISTERED,)),
    CHANGE: ("changed", NOTIFY_STATUSES),
    CANCELLATION: ("cancelled", NOTIFY_STATUSES),
    REMINDER: ("reminder", (RegistrationStatus.REGISTERED,)),
}


def registrations_notify(*, kind: str, registrations: QuerySet[Registration], **ids: int) -> int:
    """Queue ``kind`` for each registration with an email address, once per registration and
    ``ids`` (a session revision, a day); returns how many are new. Call inside the change's
    transaction."""
    suffix = "".join(f":{name}={value}" for name, value in sorted(ids.items()))
    rows = registrations.values_list("pk", "official__email", "official__user__email")
    return outbox_enqueue(
        messages=(
            OutboxMessage(
                key=f"{kind}:{pk}{suffix}",
                kind=kind,
                recipient=official_email or user_email,
                payload={"registration": pk, **ids},
            )
            for pk, official_email, user_email in rows.order_by("pk")
            if official_email or user_email
        )
    )


@register(*KINDS)
def render(message: OutboxMessage) -> Mail | None:
    """The email as the records stand now; None if the registration no longer gets it."""
    template, statuses = KINDS[message.kind]
    registration = (
        Registration.objects.select_related("official__user", "session__host_agency")
        .filter(pk=message.payload["registration"], status__in=statuses)
        .first()
    )
    if registration is None:
        return None
    context = {
        "registration": registration,
        "session": registration.session,
        "site_url": getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/"),
    }
    if message.kind == CHANGE:
        context["days"] = list(registration.session.days.all())
    if message.kind == REMINDER:
        context["day"] = SessionDay.objects.filter(pk=message.payload["day"]).first()
        if context["day"] is None:
            return None
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"training/email/{template}_subject.txt", context)
        body = render_to_string(f"training/email/{template}.txt", context)
    return Mail(subject=" ".join(subject.split()), body=body)
