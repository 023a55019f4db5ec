"""Text folding shared by every place that matches what people type against stored text."""

from __future__ import annotations

from unidecode import unidecode


def fold(text) -> str:
    """Case-, accent- and spacing-insensitive key: "Mã_cán  bộ" and "ma can bo" match."""
    return " ".join(unidecode(str(text or "")).lower().replace("_", " ").split())
