"""One-time activation links for accounts created from officials, sent through the outbox.

The link is Django's password-reset token under its own salt: it stops working once a password
is set (the hash covers the password) and after ``PASSWORD_RESET_TIMEOUT``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lms.core.models import OutboxMessage
from lms.core.outbox import Mail, register

ACTIVATION = "users.activation"


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "lms.users.activation.ActivationTokenGenerator"


activation_token = ActivationTokenGenerator()


def site_url() -> str:
    return getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")


def activation_link(user) -> str:
    """The absolute one-time link that lets ``user`` choose a password."""
    path = reverse(
        "accounts:activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_token.make_token(user),
        },
    )
    return site_url() + path


def activation_message(user, email: str) -> OutboxMessage:
    """The activation email for a new account; one per user (the key), however often queued."""
    return OutboxMessage(
        key=f"{ACTIVATION}:{user.pk}", kind=ACTIVATION, recipient=email, payload={"user": user.pk}
    )


def activation_resend_message(user, email: str, *, at) -> OutboxMessage:
    """A new activation email asked for by a person (one per click: the key holds the time)."""
    return OutboxMessage(
        key=f"{ACTIVATION}:{user.pk}:resent:{at.isoformat()}",
        kind=ACTIVATION,
        recipient=email,
        payload={"user": user.pk},
    )


@register(ACTIVATION)
def render(message: OutboxMessage) -> Mail | None:
    """The email with a fresh link; None once the account has a password or is inactive."""
    from .models import User

    user = User.objects.filter(pk=message.payload["user"], is_active=True).first()
    if user is None or user.has_usable_password():
        return None
    official = getattr(user, "official", None)
    context = {
        "user": user,
        "official": official,
        "link": activation_link(user),
        "site_url": site_url(),
        "login_hint": (official.staff_code if official and official.staff_code else user.username),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("users/email/activation_subject.txt", context)
        body = render_to_string("users/email/activation.txt", context)
    return Mail(subject=" ".join(subject.split()), body=body)
