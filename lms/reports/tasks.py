"""Background work of the reports app: summary refreshes and whole-subtree exports."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def refresh_summaries(agency_ids: list[int] | None = None) -> int:
    """Rebuild the summary rows of these agencies (all when None); safe to run twice."""
    from .services import summaries_refresh

    return summaries_refresh(agency_ids=agency_ids)


MAX_ROUNDS = 20  # chunks per run; beat (every minute) takes whatever is left


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def refresh_pending() -> int:
    """Rebuild the agencies of the pending marks, a chunk per transaction, until none is left
    (queued a few seconds after a change, and by beat every minute); safe to run twice and at
    once. Returns the number of marks processed."""
    from .services import PENDING_CHUNK, summaries_refresh_pending

    done = 0
    for _round in range(MAX_ROUNDS):
        count = summaries_refresh_pending(limit=PENDING_CHUNK)
        done += count
        if count < PENDING_CHUNK:
            break
    return done


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def refresh_stale(officials=(), agencies=(), registrations=()) -> int:
    """Rebuild the rows of the agencies that changed records belong to; safe to run twice. (Kept
    for tasks queued before the pending marks: changes are now recorded as ``PendingRefresh``.)"""
    from .services import summaries_refresh_stale

    return summaries_refresh_stale(
        officials=officials, agencies=agencies, registrations=registrations
    )


@shared_task(acks_late=True)
def refresh_all_summaries() -> int:
    """Nightly: the expiry window and validity move with the date."""
    from .services import summaries_refresh

    return summaries_refresh()


@shared_task(acks_late=True)
def run_export(job_id: int) -> str | None:
    """Build a queued export; safe to deliver twice (the job is claimed first)."""
    from .services import export_job_run

    job = export_job_run(job_id=job_id)
    return None if job is None else job.status


@shared_task(acks_late=True)
def purge_exports() -> int:
    """Hourly: expired exports and their files go, whether or not anyone exports again."""
    from .services import exports_purge

    return exports_purge()
