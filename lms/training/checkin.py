"""Rotating QR check-in tokens and personal card codes (pure functions, no database writes).

A check-in token is ``<window>.<mac>``: ``window`` is the 30-second time window index (base 36)
and ``mac`` an HMAC-SHA256 of "session id | day id | window" under the session's
``checkin_secret``, truncated and base32-encoded. The window in the clear lets us tell an expired
code (right MAC, old window) from a forged one (wrong MAC) and say so. A token is accepted in its
own window and the next one only, so a photo of the projector is useless after at most 60 s.

A card code is ``<registration id>-<mac>`` under the same secret: printed as a QR on the
official's card and typed by a barcode-scanner keyboard on the trainer's phone.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WINDOW_SECONDS = 30
# Current window and the one before it: a token lives between 30 and 60 seconds.
ACCEPTED_WINDOWS = 2
MAC_BYTES = 10  # 80 bits: unguessable within a token's minute of life, short enough for a QR.


class TokenError(Exception):
    """A refused token; ``str(error)`` is the message shown to the official."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


EXPIRED = "expired"
INVALID = "invalid"
MALFORMED = "malformed"

MESSAGES = {
    EXPIRED: _(
        "This check-in code has expired. Scan the code on the screen again "
        "(it changes every 30 seconds)."
    ),
    INVALID: _(
        "This check-in code is not valid for this session day. Scan the code on the screen."
    ),
    MALFORMED: _("This is not a check-in code. Scan the code on the screen."),
}


def _key(session) -> bytes:
    secret = getattr(session, "checkin_secret", "") or ""
    if not secret:
        # A session without a secret would accept tokens anyone can compute.
        raise ValueError(f"Training session {session.pk} has no check-in secret")
    return secret.encode()


def _mac(session, message: str) -> str:
    digest = hmac.new(_key(session), message.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(digest).decode().rstrip("=")


def window_index(at: datetime.datetime | None = None) -> int:
    at = at or timezone.now()
    return int(at.timestamp()) // WINDOW_SECONDS


def _token_mac(day, window: int) -> str:
    return _mac(day.session, f"checkin|{day.session_id}|{day.pk}|{window}")


def checkin_token_issue(*, day, at: datetime.datetime | None = None) -> str:
    """The token displayed on the projector for ``day`` at ``at`` (now by default)."""
    window = window_index(at)
    return f"{_to_base36(window)}.{_token_mac(day, window)}"


@dataclass(frozen=True)
class VerifiedToken:
    window: int


def checkin_token_verify(*, token: str, day, at: datetime.datetime | None = None) -> VerifiedToken:
    """Return the verified token or raise TokenError (expired, invalid or malformed)."""
    window_text, sep, mac = (token or "").strip().partition(".")
    if not sep or not mac or len(token) > 64:
        raise TokenError(MALFORMED, MESSAGES[MALFORMED])
    try:
        window = int(window_text, 36)
    except ValueError as exc:
        raise TokenError(MALFORMED, MESSAGES[MALFORMED]) from exc
    if not hmac.compare_digest(mac.upper(), _token_mac(day, window)):
        raise TokenError(INVALID, MESSAGES[INVALID])
    now = window_index(at)
    if window > now:
        # A genuine MAC for a future window cannot come from our display: treat as invalid.
        raise TokenError(INVALID, MESSAGES[INVALID])
    if now - window >= ACCEPTED_WINDOWS:
        raise TokenError(EXPIRED, MESSAGES[EXPIRED])
    return VerifiedToken(window=window)


def card_code(*, registration) -> str:
    """The personal code printed on an official's card for one session."""
    mac = _mac(registration.session, f"card|{registration.session_id}|{registration.pk}")
    return f"{registration.pk}-{mac[:12]}"


def card_code_registration_id(code: str) -> int | None:
    """The registration id a card code claims (unverified), or None if it is not a card code."""
    head, sep, _mac_part = (code or "").strip().partition("-")
    if not sep or not head.isdigit():
        return None
    return int(head)


def card_code_matches(*, code: str, registration) -> bool:
    return hmac.compare_digest((code or "").strip().upper(), card_code(registration=registration))


def _to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if number == 0:
        return "0"
    out = []
    while number:
        number, rem = divmod(number, 36)
        out.append(digits[rem])
    return "".join(reversed(out))
