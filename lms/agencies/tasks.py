"""Background work for the agencies app: large officials imports."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str | None:
    """Run a queued officials import; safe to deliver twice (the job is claimed first)."""
    from .services import import_job_run

    job = import_job_run(job_id=job_id)
    return None if job is None else job.status
