"""Where each learner was last seen, written in batches.

Opening a lesson records it as the learner's place to resume: the enrolment's last lesson and
time ("My learning" links to it) and the lesson's progress row (created if there is none, its
``last_seen_at`` stamped). A learner going through a course opens another lesson on nearly every
request, so writing both at once cost each lesson page a write transaction (on SQLite a turn at
the one writer's lock, on PostgreSQL a commit), several times the rest of a page served from the
cache. Instead ``record`` puts the visit in this process's queue (a dict per row, so the latest
visit of a learner replaces an earlier one still waiting) and a thread of the process writes the
queue in one transaction every ``LESSON_SEEN_FLUSH_SECONDS`` (or as soon as
``LESSON_SEEN_FLUSH_SIZE`` rows wait), and once more when the process exits.

Nothing written is ever older than what the row holds: the statements only move a time forward,
so a queue flushed late by another process cannot undo a later visit. A visit waits at most about
``LESSON_SEEN_FLUSH_SECONDS`` before another process can see it; this process's own pages that
show it ("My learning") read the queue too (``pending_enrolment``). A process killed outright
loses the visits of its last moment, which are no evidence of anything (lessons done, quiz
results and completions are written at once by their own POSTs). ``LESSON_SEEN_FLUSH_SECONDS =
0`` writes each visit at once, in the request (the tests' default).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from .models import Enrolment, LessonProgress

logger = logging.getLogger(__name__)

# SQLite lets one writer in at a time and makes the others sleep in its busy handler (1, 2, 5 ...
# 100 ms): the threads of one process take turns on a lock of ours instead.
SQLITE_WRITER = threading.Lock()


@functools.cache
def _sql() -> tuple[str, str]:
    """Insert the learner's progress row on the lesson or move its time forward; move the
    enrolment's place forward. Plain SQL written once. Each statement holds SQLite's write lock
    only while it runs (no Python between taking the lock and letting it go)."""
    qn = connection.ops.quote_name
    progress_table = qn(LessonProgress._meta.db_table)
    seen = qn("last_seen_at")
    progress = (
        f"INSERT INTO {progress_table} "
        f"({qn('official_id')}, {qn('lesson_id')}, {qn('course_id')}, {seen}) "
        f"VALUES (%s, %s, %s, %s) ON CONFLICT ({qn('official_id')}, {qn('lesson_id')}) "
        f"DO UPDATE SET {seen} = excluded.{seen} "
        f"WHERE {progress_table}.{seen} IS NULL OR {progress_table}.{seen} < excluded.{seen}"
    )
    enrolment = (
        f"UPDATE {qn(Enrolment._meta.db_table)} SET {qn('last_lesson_id')} = %s, {seen} = %s "
        f"WHERE {qn('id')} = %s AND ({seen} IS NULL OR {seen} <= %s)"
    )
    return progress, enrolment


class SeenQueue:
    """The visits waiting in this process: the latest per progress row and per enrolment."""

    def __init__(self, *, thread: bool = True):
        self._start_thread = thread
        self._lock = threading.Lock()
        self._wake = threading.Event()
        # (official_id, lesson_id) -> (course_id, seen_at)
        self.progress: dict[tuple[int, int], tuple[int, object]] = {}
        # enrolment_id -> (lesson_id, seen_at)
        self.enrolments: dict[int, tuple[int, object]] = {}
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._pid = os.getpid()

    def __len__(self) -> int:
        return len(self.progress) + len(self.enrolments)

    def add(self, *, official_id, lesson_id, course_id, enrolment_id, seen_at) -> None:
        with self._lock:
            self._check_fork()
            key = (official_id, lesson_id)
            known = self.progress.get(key)
            if known is None or known[1] < seen_at:
                self.progress[key] = (course_id, seen_at)
            if enrolment_id is not None:
                known = self.enrolments.get(enrolment_id)
                if known is None or known[1] <= seen_at:
                    self.enrolments[enrolment_id] = (lesson_id, seen_at)
            full = len(self) >= settings.LESSON_SEEN_FLUSH_SIZE
            if self._thread is None and self._start_thread:
                self._thread = threading.Thread(
                    target=self._run, name="lesson-seen-flush", daemon=True
                )
                self._thread.start()
        if full:
            self._wake.set()

    def pending_enrolment(self, enrolment_id) -> tuple[int, object] | None:
        """(lesson_id, seen_at) of the enrolment's visit waiting here, if any."""
        with self._lock:
            return self.enrolments.get(enrolment_id)

    def _check_fork(self) -> None:
        """A forked child starts with no thread and leaves the parent's queue to the parent."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._thread = None
            self._stopping = False
            self._wake = threading.Event()
            self.progress, self.enrolments = {}, {}

    def _take(self):
        with self._lock:
            taken = self.progress, self.enrolments
            self.progress, self.enrolments = {}, {}
            return taken

    def _put_back(self, progress: dict, enrolments: dict) -> None:
        """Rows a failed flush could not write: kept unless a later visit replaced them."""
        with self._lock:
            for key, value in progress.items():
                known = self.progress.get(key)
                if known is None or known[1] < value[1]:
                    self.progress[key] = value
            for key, value in enrolments.items():
                known = self.enrolments.get(key)
                if known is None or known[1] < value[1]:
                    self.enrolments[key] = value

    def flush(self) -> int:
        """Write every waiting visit in one transaction; the number of rows sent."""
        progress, enrolments = self._take()
        if not progress and not enrolments:
            return 0
        progress_rows = [
            (official_id, lesson_id, course_id, connection.ops.adapt_datetimefield_value(seen))
            for (official_id, lesson_id), (course_id, seen) in progress.items()
        ]
        enrolment_rows = []
        for enrolment_id, (lesson_id, seen) in enrolments.items():
            seen = connection.ops.adapt_datetimefield_value(seen)
            enrolment_rows.append((lesson_id, seen, enrolment_id, seen))
        try:
            _write(progress_rows, enrolment_rows)
        except DatabaseError:
            if connection.in_atomic_block:
                # Inside a caller's transaction nothing more can be tried now.
                self._put_back(progress, enrolments)
                raise
            # A row naming something deleted meanwhile (a lesson, an enrolment's official)
            # fails the whole batch: write the rows one by one and drop only those.
            logger.warning("lesson visits: batch failed, writing row by row", exc_info=True)
            for row in progress_rows:
                _write_one(progress_rows=[row], enrolment_rows=[])
            for row in enrolment_rows:
                _write_one(progress_rows=[], enrolment_rows=[row])
        return len(progress_rows) + len(enrolment_rows)

    def _run(self) -> None:
        while not self._stopping:
            seconds = settings.LESSON_SEEN_FLUSH_SECONDS
            self._wake.wait(seconds if seconds > 0 else None)
            self._wake.clear()
            if not len(self):
                continue
            try:
                close_old_connections()
                self.flush()
            except Exception:  # the thread must outlive a database that is away a moment
                logger.exception("lesson visits: flush failed; retrying later")
            finally:
                close_old_connections()

    def stop(self, timeout: float = 10) -> None:
        """Let a flush under way finish (the thread stops after it)."""
        self._stopping = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)


@functools.cache
def _batch_sql() -> tuple[str, str]:
    """PostgreSQL: the same two statements for a whole batch, rows passed as arrays (one
    statement each to parse, plan and run, instead of one per row). Rows are taken in key order,
    so two processes writing overlapping batches lock them in the same order."""
    qn = connection.ops.quote_name
    progress_table = qn(LessonProgress._meta.db_table)
    enrolment_table = qn(Enrolment._meta.db_table)
    seen = qn("last_seen_at")
    progress = (
        f"INSERT INTO {progress_table} "
        f"({qn('official_id')}, {qn('lesson_id')}, {qn('course_id')}, {seen}) "
        f"SELECT o, l, c, s FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], "
        f"%s::timestamptz[]) AS v(o, l, c, s) ORDER BY o, l "
        f"ON CONFLICT ({qn('official_id')}, {qn('lesson_id')}) "
        f"DO UPDATE SET {seen} = excluded.{seen} "
        f"WHERE {progress_table}.{seen} IS NULL OR {progress_table}.{seen} < excluded.{seen}"
    )
    enrolment = (
        f"UPDATE {enrolment_table} SET {qn('last_lesson_id')} = v.l, {seen} = v.s "
        f"FROM (SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[]) "
        f"AS u(l, s, e) ORDER BY e) AS v "
        f"WHERE {enrolment_table}.{qn('id')} = v.e "
        f"AND ({enrolment_table}.{seen} IS NULL OR {enrolment_table}.{seen} <= v.s)"
    )
    return progress, enrolment


def _columns(rows: list, count: int) -> list[list]:
    return [[row[i] for row in rows] for i in range(count)]


def _write(progress_rows: list, enrolment_rows: list) -> None:
    progress, enrolment = _sql()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A transaction that does not wait for its WAL flush: a place to resume is no evidence,
        # and a crash may lose the last instant of them, never make them wrong.
        progress, enrolment = _batch_sql()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            if progress_rows:
                cursor.execute(progress, _columns(progress_rows, 4))
            if enrolment_rows:
                cursor.execute(enrolment, _columns(enrolment_rows, 3))
        return
    lock = SQLITE_WRITER if connection.vendor == "sqlite" else contextlib.nullcontext()
    with lock, transaction.atomic(), connection.cursor() as cursor:
        if progress_rows:
            cursor.executemany(progress, progress_rows)
        if enrolment_rows:
            cursor.executemany(enrolment, enrolment_rows)


def _write_one(*, progress_rows: list, enrolment_rows: list) -> None:
    try:
        _write(progress_rows, enrolment_rows)
    except DatabaseError:
        logger.warning("lesson visit dropped: %s %s", progress_rows, enrolment_rows)


queue = SeenQueue()


def record(*, official_id: int, lesson_id: int, course_id: int, enrolment_id: int | None) -> None:
    """The learner opened the lesson now: queue it (or write it at once, see the module's
    docstring)."""
    seen_at = timezone.now()
    if settings.LESSON_SEEN_FLUSH_SECONDS <= 0:
        progress, enrolment = _sql()
        seen = connection.ops.adapt_datetimefield_value(seen_at)
        enrolment_rows = [(lesson_id, seen, enrolment_id, seen)] if enrolment_id else []
        _write([(official_id, lesson_id, course_id, seen)], enrolment_rows)
        return
    queue.add(
        official_id=official_id,
        lesson_id=lesson_id,
        course_id=course_id,
        enrolment_id=enrolment_id,
        seen_at=seen_at,
    )


def flush() -> int:
    """Write this process's waiting visits now."""
    return queue.flush()


@atexit.register
def _flush_at_exit() -> None:
    if queue._pid != os.getpid():
        return
    queue.stop()
    if len(queue):
        try:
            queue.flush()
        except Exception:
            logger.exception("lesson visits: flush at exit failed")
