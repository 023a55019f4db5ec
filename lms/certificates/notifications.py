"""Emails to holders (issued, expiry reminders), written to the outbox with the change that
causes them (lms/core/outbox.py states the guarantees) and rendered when sent."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from lms.core.models import OutboxMessage
from lms.core.outbox import Mail, outbox_enqueue, register

from .models import Certificate, CertificateStatus

ISSUED = "certificates.issued"
REMINDER = "certificates.reminder"
TEMPLATES = {ISSUED: "issued", REMINDER: "reminder"}


def _recipient(certificate: Certificate) -> str:
    official = certificate.official
    user = official.user if official.user_id else None
    return official.email or (user.email if user is not None else "")


def certificates_notify(*, kind: str, certificates: Iterable[Certificate], **ids: int) -> int:
    """Queue ``kind`` for each certificate whose holder has an email address, once per
    certificate and ``ids``; returns how many are new. Call inside the change's transaction."""
    suffix = "".join(f":{name}={value}" for name, value in sorted(ids.items()))
    messages = []
    for certificate in certificates:
        recipient = _recipient(certificate)
        if recipient:
            messages.append(
                OutboxMessage(
                    key=f"{kind}:{certificate.pk}{suffix}",
                    kind=kind,
                    recipient=recipient,
                    payload={"certificate": certificate.pk, **ids},
                )
            )
    return outbox_enqueue(messages=messages)


@register(*TEMPLATES)
def render(message: OutboxMessage) -> Mail | None:
    """The email as the certificate stands now; None once it is revoked."""
    from .services import verify_url

    certificate = Certificate.objects.filter(
        pk=message.payload["certificate"], status=CertificateStatus.VALID
    ).first()
    if certificate is None:
        return None
    site_url = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    context = {
        "certificate": certificate,
        "days": message.payload.get("days"),
        "site_url": site_url,
        "verify_url": verify_url(certificate.code),
    }
    template = TEMPLATES[message.kind]
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"certificates/email/{template}_subject.txt", context)
        body = render_to_string(f"certificates/email/{template}.txt", context)
    return Mail(subject=" ".join(subject.split()), body=body)
