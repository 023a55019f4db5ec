"""Bulk work in the background: a ``BulkJob`` row, a worker that runs it in batches, a page.

Invariants (tests/core/test_jobs.py):

- A web request never does the bulk work: it writes the job and queues ``run_bulk_job`` once
  the job is committed; the worker claims the job (queued → running) under a row lock, so a
  second delivery of the task does nothing.
- The kind's runner (``register``) works in batches, each committed on its own, and reports
  ``progress(done, total)`` after each; runners are idempotent, so a job stopped half-way and
  run again finishes the rest without doing anything twice.
- Batches keep each SQL ``IN`` list to ``BATCH`` ids: SQLite refuses more than 999 variables
  in older builds, and PostgreSQL plans short lists better.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator

from django.db import transaction
from django.utils import timezone

from .models import BulkJob

logger = logging.getLogger(__name__)

BATCH = 500  # ids per SQL IN list and per committed batch

Progress = Callable[[int, int], None]
Runner = Callable[..., dict]
RUNNERS: dict[str, Runner] = {}


def register(kind: str) -> Callable[[Runner], Runner]:
    """Decorator: ``runner(job, progress)`` does the work of ``kind`` and returns its result."""

    def decorate(runner: Runner) -> Runner:
        RUNNERS[kind] = runner
        return runner

    return decorate


def batches(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    """``ids`` in lists of at most ``size``, for IN clauses every database accepts."""
    chunk: list[int] = []
    for value in ids:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _runner(kind: str) -> Runner:
    """The runner of ``kind`` ("courses.assign" lives in lms/courses/services.py)."""
    if kind not in RUNNERS:
        importlib.import_module(f"lms.{kind.split('.')[0]}.services")
    return RUNNERS[kind]


def bulk_job_create(
    *, kind: str, title: str, params: dict, by, total: int = 0, back_url: str = ""
) -> BulkJob:
    """Write the job and queue it once the caller's transaction commits."""
    _runner(kind)
    job = BulkJob(
        kind=kind,
        title=title[:255],
        params=params,
        created_by=by,
        total=total,
        back_url=back_url[:255],
    )
    job.full_clean()
    job.save()
    from .tasks import run_bulk_job

    transaction.on_commit(lambda: run_bulk_job.delay(job.pk))
    return job


def bulk_job_run(*, job_id: int) -> BulkJob | None:
    """Run a queued job once; a second delivery finds it taken and stops."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != BulkJob.Status.QUEUED:
            return job
        job.status = BulkJob.Status.RUNNING
        job.save(update_fields=["status"])

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        BulkJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        result = _runner(job.kind)(job, progress)
    except Exception as exc:
        logger.exception("background job %s (%s) failed", job.pk, job.kind)
        job.status = BulkJob.Status.FAILED
        job.result = {**job.result, "error": type(exc).__name__}
    else:
        job.status = BulkJob.Status.DONE
        job.result = result
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "finished_at", "done", "total"])
    return job
