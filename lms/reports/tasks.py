"""Background work of the reports app: summary refreshes and whole-subtree exports."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def refresh_summaries(agency_ids: list[int] | None = None) -> int:
    """Rebuild the summary rows of these agencies (all when None); safe to run twice."""
    from .services import summaries_refresh

    return summaries_refresh(agency_ids=agency_ids)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def refresh_stale(officials=(), agencies=(), registrations=()) -> int:
    """Rebuild the rows of the agencies that changed records belong to; safe to run twice."""
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
