"""Reading what people type or send: one folding for matching text, one parser for posted ids."""

from __future__ import annotations

from unidecode import unidecode


def fold(text) -> str:
    """Case-, accent- and spacing-insensitive key: "Mã_cán  bộ" and "ma can bo" match."""
    return " ".join(unidecode(str(text or "")).lower().replace("_", " ").split())


def parse_id(value) -> int | None:
    """A posted database id, or None when it is missing or not a plain whole number.

    ``str.isdigit`` alone accepts "²" (which int() refuses) and "١" (which int() reads as 1);
    18 digits fit every id column, so no lookup can overflow.
    """
    value = str(value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value)
