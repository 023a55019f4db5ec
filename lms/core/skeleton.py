"""Templates rendered once per process with markers where the per-request values go.

A page, or part of one, that is the same for many requests but for a few plain values (a name, a
message, a CSRF token) is rendered once with a marker in each value's place, split at the
markers and kept in this process; each request then joins the parts with its own values,
escaped as the template would have escaped them. Used by the site header of every page
(``lms.core.templatetags.chrome``) and by the check-in pages a room of phones opens within a
minute (``lms.training.views_attendance``). The lesson pages have their own skeletons
(``lms.courses.pagecache``), kept in the shared cache.

A value may only be printed as it is (``{{ name }}``, in text or in an attribute): a filter or a
condition on it would act on the marker. What decides the template's shape (a condition, a
choice of block) belongs in the key.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable

from django.utils import translation
from django.utils.html import escape

from lms.core.release import release

_kept: dict[tuple, tuple[str, ...]] = {}
# Keys are a handful of shapes per language; a bound only guards against a key built wrong.
MAX_KEPT = 1024


class StandIn:
    """The signed-in user while a kept template renders: a user whose name is a marker (or a
    slot) and who has nothing else to show, so nothing personal can end up in parts others are
    served. Used by the site header here and by the lesson skeletons of lms.courses.pagecache."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, display_name: str):
        self.display_name = display_name


class Markers:
    """Makes the marker of each value for one rendering: ``markers("name")``."""

    def __init__(self):
        self._nonce = secrets.token_hex(8)

    def __call__(self, name: str) -> str:
        return f"lmsslot{self._nonce}{name}x"

    def split(self, html: str) -> tuple[str, ...]:
        """Literal text at even indexes, value names at odd ones."""
        return tuple(re.split(f"lmsslot{self._nonce}([a-z_]+)x", html))


def parts(key: tuple, names: Iterable[str], build: Callable[[Markers], str]) -> tuple | None:
    """The kept parts for ``key`` (under the active language and the release), rendered by
    ``build(markers)`` the first time. None if the rendering holds a marker for a value not
    in ``names``, or lost one in a filter: the caller then renders the page the plain way."""
    full = (translation.get_language(), release(), *key)
    kept = _kept.get(full)
    if kept is None:
        markers = Markers()
        html = build(markers)
        kept = markers.split(html)
        if not set(kept[1::2]) <= set(names) or "lmsslot" in "".join(kept[::2]).lower():
            return None
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[full] = kept
    return kept


def fill(kept: tuple, values: dict[str, str]) -> str:
    """The parts joined with each value escaped."""
    out = list(kept)
    for i in range(1, len(out), 2):
        out[i] = escape(str(values[out[i]]))
    return "".join(out)
