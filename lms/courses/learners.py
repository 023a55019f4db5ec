"""Each learner's state in a course, kept in the shared cache for the lesson fast path.

The fast path (pagecache.py) needs, for the learner opening a lesson, the enrolment, the lessons
done and the results on the module quizzes. Read from the database that is one query per page;
on PostgreSQL its server time (planning a join over five tables, then running it) was as much as
the rest of the page. So the state read is kept in the cache (``state_key``, per user and
course), and a page served from it reads no SQL at all: the entry, the learner's *version* and
the pages' generation come in the same cache round trip as the session and the user
(lms/core/sessions.py ``read_along``).

Correctness rests on the version, one random token per official (``version_key``): every change
to what the state holds (an enrolment saved or deleted, a lesson done or undone, a quiz result,
the official saved) replaces it, at once and again after the commit (``changed``), and an entry
counts only if it was written under the token current now, for the same generation and module
quizzes. An entry is tagged with the token read *before* its rows were read, so a change
committed in between leaves it tagged with a token that is no longer current. Without a token
(never set, evicted, or just dropped) the rows are read and a token set; no entry is written
under an unknown token. Writes that bypass the models' signals (``update()``, raw SQL) must call
``changed`` themselves (lms/courses/services.py, lms/quizzes/services.py do).

Visits ("resume here") are not part of the state: writing a visit does not touch the version
(it would make every page a miss); whether the lesson was just seen is told by this process's
own record of visits (``seen_here``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

STATE_SECONDS = 600
VERSION_SECONDS = 86400


def version_key(official_id: int) -> str:
    return f"courses:learner-version:{official_id}"


def state_key(user_id: int, course_id: int) -> str:
    return f"courses:learner:{user_id}:{course_id}"


@dataclass(frozen=True)
class Entry:
    """What the cache holds: the learner (see pagecache.Learner) and what it is valid for."""

    version: str
    generation: str
    quizzes: tuple
    learner: object


class _Bounded:
    """A small thread-safe map, least recently used first out."""

    def __init__(self, size: int):
        self.size = size
        self._map: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._map.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            self._map[key] = value
            self._map.move_to_end(key)
            if len(self._map) > self.size:
                self._map.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._map.clear()


# user id -> official id, learnt from the rows read: the keys of a learner's next page are then
# known before the session is read, and read with it.
officials = _Bounded(100_000)
# enrolment id -> (lesson id, monotonic time) of the last visit this process queued.
_visits = _Bounded(100_000)


def keys_for(*, user_id: int, course_id: int, official_id: int) -> list[str]:
    from .cachekeys import GENERATION_KEY

    return [GENERATION_KEY, version_key(official_id), state_key(user_id, course_id)]


def read(*, user_id: int, course_id: int, found: dict | None):
    """What the cache holds for the learner: (generation, version, entry), each None if absent.
    ``found`` is what was read along with the session (None: read now, one round trip)."""
    from .cachekeys import GENERATION_KEY

    official_id = officials.get(user_id)
    if official_id is None:
        return None, None, None
    keys = keys_for(user_id=user_id, course_id=course_id, official_id=official_id)
    if found is None:
        try:
            found = cache.get_many(keys)
        except Exception:  # the database answers when the cache cannot
            logger.warning("learner state: cache unreachable", exc_info=True)
            return None, None, None
    entry = found.get(keys[2])
    version = found.get(keys[1])
    if isinstance(entry, Entry) and getattr(entry.learner, "official_id", None) != official_id:
        entry = None
    return found.get(GENERATION_KEY), version, entry


def valid(entry, *, version, generation, quizzes) -> bool:
    return (
        isinstance(entry, Entry)
        and version is not None
        and entry.version == version
        and entry.generation == generation
        and entry.quizzes == tuple(quizzes)
    )


def remember(
    *,
    user_id: int,
    course_id: int,
    learner,
    read_for,
    version,
    generation,
    generation_cached: bool,
    quizzes,
) -> None:
    """After reading the rows: keep them under the version read before them (``version``, read
    for official ``read_for``), or set a version if there was none and keep nothing this time.
    The generation read with the rows is copied to the cache if it was not there."""
    from .cachekeys import GENERATION_KEY, GENERATION_SECONDS

    officials.put(user_id, learner.official_id)
    try:
        if not generation_cached and generation:
            cache.add(GENERATION_KEY, generation, GENERATION_SECONDS)
        if version is None or read_for != learner.official_id:
            cache.add(version_key(learner.official_id), uuid.uuid4().hex, VERSION_SECONDS)
        else:
            entry = Entry(
                version=version,
                generation=generation,
                quizzes=tuple(quizzes),
                learner=replace(learner, seen_recently=False),
            )
            cache.set(state_key(user_id, course_id), entry, STATE_SECONDS)
    except Exception:
        logger.warning("learner state: cache unreachable", exc_info=True)


def forget_process_state() -> None:
    """Empty this process's maps (tests: ids are reused after a rollback)."""
    officials.clear()
    _visits.clear()


def _drop(official_ids) -> None:
    with contextlib.suppress(Exception):
        cache.delete_many([version_key(pk) for pk in official_ids])


def _renew(official_ids) -> None:
    try:
        cache.set_many({version_key(pk): uuid.uuid4().hex for pk in official_ids}, VERSION_SECONDS)
    except Exception:
        logger.warning("learner state: could not renew versions", exc_info=True)
        _drop(official_ids)


def changed(official_ids) -> None:
    """The enrolments, lessons done or quiz results of these officials changed (or will, when
    the transaction commits): drop their versions now and set new ones after the commit."""
    ids = {int(pk) for pk in official_ids if pk is not None}
    if not ids:
        return
    _drop(ids)
    transaction.on_commit(lambda: _renew(ids), robust=True)


def on_model_change(sender, instance, **kwargs) -> None:
    """post_save / post_delete receiver for Enrolment, LessonProgress, Sitting and Official."""
    from lms.agencies.models import Official
    from lms.quizzes.models import Sitting, SittingState

    if isinstance(instance, Official):
        changed([instance.pk])
        return
    if kwargs.get("update_fields") == frozenset({"last_seen_at"}):
        return  # a visit only
    if (
        isinstance(instance, Sitting)
        and "created" in kwargs  # saved, not deleted
        and instance.state != SittingState.FINISHED
    ):
        return  # only finished attempts show (their result)
    changed([getattr(instance, "official_id", None)])


def seen_here(enrolment_id: int, lesson_id: int, within_s: float) -> bool:
    """Whether this process queued a visit of this lesson by this enrolment within ``within_s``."""
    last = _visits.get(enrolment_id)
    return last is not None and last[0] == lesson_id and time.monotonic() - last[1] < within_s


def visited(enrolment_id: int, lesson_id: int) -> None:
    _visits.put(enrolment_id, (lesson_id, time.monotonic()))
