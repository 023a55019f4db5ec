"""Public certificate codes: 100 random bits, read aloud or typed from paper without confusion.

A code is 20 characters of Crockford's base32 alphabet (no I, L, O, U), shown in four groups of
five: ``7KQ2M-XD9PA-3TFW8-HN6RZ-C4VJB``. It comes from ``secrets`` (never a counter or the row id),
so codes say nothing about how many certificates exist and cannot be guessed one from another.
``normalise`` is what every URL lookup goes through: anything that is not a well-formed code
answers None, so a view can 404 without touching the database.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
GROUPS = 4
GROUP_LENGTH = 5
BITS = GROUPS * GROUP_LENGTH * 5  # 100 ≥ 80
# Grouped, upper case: what is stored, printed and put in URLs.
_GROUP = f"[{ALPHABET}]{{{GROUP_LENGTH}}}"
PATTERN = re.compile(rf"^{_GROUP}(-{_GROUP}){{{GROUPS - 1}}}$")
# What a URL may carry before normalising (letters, digits, dashes; never longer than this).
MAX_INPUT = GROUPS * GROUP_LENGTH + GROUPS + 4
URL_REGEX = rf"[0-9A-Za-z-]{{1,{MAX_INPUT}}}"


def new_code() -> str:
    """A fresh random code."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(chars[i : i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


def normalise(text: str | None) -> str | None:
    """The stored form of a typed or linked code (case, dashes, look-alikes forgiven), or None."""
    if not text or len(text) > MAX_INPUT:
        return None
    raw = text.upper().replace("-", "").translate(str.maketrans("ILO", "110"))
    if len(raw) != GROUPS * GROUP_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))


def is_valid(code: str) -> bool:
    return bool(PATTERN.match(code or ""))
