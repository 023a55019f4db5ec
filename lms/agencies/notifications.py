"""The notice an official gets when their agency correction request is decided (outbox)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from lms.core.models import OutboxMessage
from lms.core.outbox import Mail, outbox_enqueue, register

from .models import AgencyChangeRequest

DECIDED = "agencies.change_request"


def change_request_notify(*, request: AgencyChangeRequest) -> int:
    """Queue the decision notice, once per request and decision; inside the deciding transaction."""
    official = request.official
    recipient = official.email or (official.user.email if official.user_id else "")
    if not recipient:
        return 0
    return outbox_enqueue(
        messages=[
            OutboxMessage(
                key=f"{DECIDED}:{request.pk}:{request.status}",
                kind=DECIDED,
                recipient=recipient,
                payload={"request": request.pk},
            )
        ]
    )


@register(DECIDED)
def render(message: OutboxMessage) -> Mail | None:
    """The decision as recorded now."""
    request = (
        AgencyChangeRequest.objects.select_related("official", "agency")
        .filter(pk=message.payload["request"])
        .first()
    )
    if request is None:
        return None
    context = {
        "request": request,
        "site_url": getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("agencies/email/change_request_subject.txt", context)
        body = render_to_string("agencies/email/change_request.txt", context)
    return Mail(subject=" ".join(subject.split()), body=body)
