"""Background work for the agencies app: large officials imports, the agency count summary.

Beat: ``refresh_agency_counts`` every night (lms/agencies/counts.py); changes queue it too.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str | None:
    """Run a queued officials import; safe to deliver twice (the job is claimed first)."""
    from .services import import_job_run

    job = import_job_run(job_id=job_id)
    return None if job is None else job.status


@shared_task(acks_late=True)
def refresh_agency_counts() -> int:
    """Recount the officials of every agency into the summary table; safe to run twice."""
    from .counts import agency_counts_refresh

    return agency_counts_refresh()
