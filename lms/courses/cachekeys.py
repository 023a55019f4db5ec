"""The generation of the published course pages, which every page-cache key carries.

The generation is a random token in the database (``PageGeneration``), replaced whenever
something a course, module or lesson page shows may have changed: a page saved, published,
unpublished, moved or deleted, a view restriction, a site, a quiz, an image or a document
changed (receivers connected in ``apps.py``). It changes in the same transaction as the change
itself, so no process can cache old rows under the new token; a new token makes every cached
body, outline, page skeleton and route unreachable at once, and the old entries expire on their
own. Keys also carry the code's release stamp (lms/core/release.py), so a deploy starts from
fresh pages.

The token is copied into the shared cache (``GENERATION_KEY``) for the requests that would read
nothing else from the database (the lesson fast path reads it with the session, the anonymous
pages instead of a query): a new token drops the copy at once and sets it again once the change
is committed, and a reader that finds no copy reads the row and adds it only if still absent, so
the copy never holds a token older than one already committed for longer than that moment.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import uuid

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from lms.core.release import release

logger = logging.getLogger(__name__)

GENERATION_ROW = 1
GENERATION_KEY = "courses:generation"
GENERATION_SECONDS = 3600


@functools.cache
def generation_sql() -> str:
    """A scalar subquery for the current generation (the fast path adds it to its own query)."""
    from .models import PageGeneration

    qn = connection.ops.quote_name
    return (
        f"(SELECT {qn('value')} FROM {qn(PageGeneration._meta.db_table)} "
        f"WHERE {qn('id')} = {GENERATION_ROW})"
    )


def stamp_of(generation: str | None) -> str:
    return f"{generation or ''}.{release()}"


def page_stamp() -> str:
    """The current generation and release (one small query)."""
    return stamp_of(_row_generation())


def cached_generation(found: str | None = None) -> str:
    """The current generation from the shared cache (``found``: as already read from it), else
    from the database (then copied into the cache if no newer copy is there)."""
    if found is None:
        try:
            found = cache.get(GENERATION_KEY)
        except Exception:
            logger.warning("page generation: cache unreachable", exc_info=True)
            return _row_generation()
    if found is not None:
        return found
    value = _row_generation()
    with contextlib.suppress(Exception):
        cache.add(GENERATION_KEY, value, GENERATION_SECONDS)
    return value


def cached_stamp() -> str:
    """``page_stamp`` read from the shared cache's copy (see the module's docstring)."""
    return stamp_of(cached_generation())


def _row_generation() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {generation_sql()}")
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return new_generation()
    return row[0]


def _copy_generation(value: str) -> None:
    try:
        cache.set(GENERATION_KEY, value, GENERATION_SECONDS)
    except Exception:
        logger.warning("page generation: could not copy it to the cache", exc_info=True)
        with contextlib.suppress(Exception):
            cache.delete(GENERATION_KEY)


def new_generation(*args, **kwargs) -> str:
    """Signal receiver: replace the token (first use creates the row)."""
    from .models import PageGeneration

    value = uuid.uuid4().hex
    rows = PageGeneration.objects.filter(pk=GENERATION_ROW)
    if not rows.update(value=value, changed_at=timezone.now()):
        try:
            with transaction.atomic():
                PageGeneration.objects.create(pk=GENERATION_ROW, value=value)
        except IntegrityError:  # created meanwhile by another request
            rows.update(value=value, changed_at=timezone.now())
    with contextlib.suppress(Exception):
        cache.delete(GENERATION_KEY)
    transaction.on_commit(lambda: _copy_generation(value), robust=True)
    return value


def route_key(host: str, path: str) -> str:
    """Which lesson a URL showed under some generation (the entry names it). Per release, so
    servers running two releases side by side (a rolling deploy) don't overwrite each other's."""
    return f"courses:route:{release()}:{host}:{path}"


def outline_key(stamp: str, course_id: int) -> str:
    return f"courses:outline:{stamp}:{course_id}"


def outline_html_key(
    stamp: str, course_id: int, lesson_id: int, done, language: str, quizzes=None
) -> str:
    """The outline with one learner's marks (lessons done, module quiz results): the same for
    every learner with the same marks."""
    results = ";".join(
        f"{pk}:{int(mark.passed)}:{mark.percent}" for pk, mark in sorted((quizzes or {}).items())
    )
    lessons = ",".join(str(pk) for pk in sorted(done))
    marks = hashlib.sha256(f"{lessons}|{results}".encode()).hexdigest()[:16]
    return f"courses:outline-html:{stamp}:{course_id}:{lesson_id}:{marks}:{language}"


def skeleton_key(stamp: str, lesson_id: int, language: str, nav: tuple) -> str:
    flags = "".join("1" if flag else "0" for flag in nav)
    return f"courses:lesson-skeleton:{stamp}:{lesson_id}:{language}:{flags}"
