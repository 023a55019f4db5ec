"""Reading what people type or send: one folding for matching text, one parser for posted ids.

``fold`` is the project's only folding: every search, sort key and comparison of what people
type builds on it (tests/core/test_text.py checks that no other module folds on its own).
"""

from __future__ import annotations

import functools
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from unidecode import unidecode


def fold(text) -> str:
    """Case-, accent- and spacing-insensitive key: "Mã_cán  bộ" and "ma can bo" match."""
    return " ".join(unidecode(str(text or "")).lower().replace("_", " ").split())


def sort_key(text) -> str:
    """A collation key for Vietnamese names: accents are secondary and Đ sorts after D."""
    return fold(str(text or "").replace("đ", "d~").replace("Đ", "d~"))


# --- search words ----------------------------------------------------------------------------

# Notations written with or without a separator are one word: "5W+1H", "5W 1H", "5w1h".
_NOTATION_GAP = re.compile(
    r"(?<![a-z0-9])(\d+[a-z]{1,2})(?: *\+ *| +)(?=\d+[a-z]{1,2}(?![a-z0-9]))"
)
_NOTATION = re.compile(r"(?:\d+[a-z]{1,2}){2,}")
_NOTATION_PART = re.compile(r"\d+[a-z]{1,2}")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def search_words(text) -> list[str]:
    """The folded words of ``text`` as search stores and matches them: letters and digits only,
    notations joined ("Chu trình PDCA, 5W + 1H" → ["chu", "trinh", "pdca", "5w1h"])."""
    return _NOT_WORD.sub(" ", _NOTATION_GAP.sub(r"\1", fold(text))).split()


def search_column(text) -> str:
    """``search_words`` stored space-delimited, with a space at each end, so that a word
    starting with w is ``contains=" w"`` in any database."""
    words = search_words(text)
    return f" {' '.join(words)} " if words else ""


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    folded = fold(char)
    if folded == "+" or (folded.isascii() and folded.isalnum()):
        return folded
    # Spaces (which fold drops) stay spaces; any other character becomes one NUL.
    return "\x00" if folded else " "


# Characters that fold to one character, as a str.translate table (filled as they are met).
_ONE_CHAR: dict[int, str] = {}


def _folded_with_positions(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded character by character (letters, digits, "+" and spaces kept, other
    characters made NULs), with the position in ``text`` each folded character comes from
    (None when each character folds to one: the positions are the same)."""
    chars = set(text)
    for char in chars:
        if ord(char) not in _ONE_CHAR and len(_fold_char(char)) == 1:
            _ONE_CHAR[ord(char)] = _fold_char(char)
    if all(ord(char) in _ONE_CHAR for char in chars):
        return text.translate(_ONE_CHAR), None
    folded: list[str] = []
    origin: list[int] = []
    for at, char in enumerate(text):
        piece = _fold_char(char)
        folded.append(piece)
        origin.extend([at] * len(piece))
    return "".join(folded), origin


def _word_pattern(word: str) -> str:
    """A query word as a regex over folded text: it starts a word and runs to that word's end;
    a notation may have its parts apart ("5w1h" finds "5W + 1H")."""
    if _NOTATION.fullmatch(word):
        body = "(?: *\\+ *| *)".join(re.escape(part) for part in _NOTATION_PART.findall(word))
    else:
        body = re.escape(word)
    return rf"(?<![a-z0-9]){body}[a-z0-9]*"


def match_spans(text: str, words, *, within: int | None = None) -> list[tuple[int, int]]:
    """Where in ``text`` (original spelling) the search ``words`` occur, in order; matches with
    only spaces between them make one span ("Đánh giá" for "danh gia"). With ``within``, the
    spans up to that many characters after the first one only."""
    words = [w for w in words if w]
    if not text or not words:
        return []
    folded, origin = _folded_with_positions(text)
    pattern = re.compile("|".join(_word_pattern(w) for w in sorted(words, key=len, reverse=True)))
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(folded):
        start, end = match.start(), match.end()
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        if within is not None and spans and start > spans[0][0] + within:
            break  # past the excerpt around the first match
        if spans and (start <= spans[-1][1] or text[spans[-1][1] : start].isspace()):
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def highlight(text: str, words, *, width: int | None = None) -> SafeString:
    """``text`` escaped, with the search ``words`` marked ``<mark>``; with ``width``, only an
    excerpt of about that many characters around the first match (… where cut)."""
    text = text or ""
    spans = match_spans(text, words, within=width)
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, first - width // 3)
        if start:
            space = text.find(" ", start, first)
            start = space + 1 if space >= 0 else start
        end = min(len(text), start + width)
        if end < len(text):
            space = text.rfind(" ", max(start, spans[0][1] if spans else start), end)
            end = space if space > start else end
    parts = ["…" if start else ""]
    at = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(text[at:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        at = span_end
    parts.append(escape(text[at:end]))
    parts.append("…" if end < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def parse_id(value) -> int | None:
    """A posted database id, or None when it is missing or not a plain whole number.

    ``str.isdigit`` alone accepts "²" (which int() refuses) and "١" (which int() reads as 1);
    18 digits fit every id column, so no lookup can overflow.
    """
    value = str(value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value)
