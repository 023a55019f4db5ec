"""The CSRF token of a cached page (verify pages, anonymous pages, lessons), drawn cheaply.

``django.middleware.csrf.get_token`` draws each of the 32 characters of a new secret and of the
mask with its own read of the system's randomness (64 system calls for a visitor without the
cookie); on the cached verify page that was the largest cost of the request. ``get_token`` here
gives the same thing (a new secret in ``request.META`` when the visitor has none, the cookie
renewed, a masked token the CSRF middleware accepts) from one read per 32 characters.
"""

from __future__ import annotations

import secrets

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_BASE = len(CSRF_ALLOWED_CHARS)
_LIMIT = 256 - 256 % _BASE  # bytes at or above are dropped: every character equally likely
_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}


def _random_chars(count: int) -> str:
    chars: list[str] = []
    while len(chars) < count:
        chars.extend(
            CSRF_ALLOWED_CHARS[b % _BASE] for b in secrets.token_bytes(count) if b < _LIMIT
        )
    return "".join(chars[:count])


def get_token(request) -> str:
    """As django.middleware.csrf.get_token."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        secret = _random_chars(CSRF_SECRET_LENGTH)
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_chars(CSRF_SECRET_LENGTH)
    pairs = zip(secret, mask, strict=True)
    cipher = "".join(CSRF_ALLOWED_CHARS[(_INDEX[s] + _INDEX[m]) % _BASE] for s, m in pairs)
    return mask + cipher
