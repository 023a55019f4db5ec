"""Background recompute of every official's competency records (after the framework changes)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def recompute_records() -> dict:
    """Idempotent: a second run finds nothing to change."""
    from .services import records_recompute

    result = records_recompute()
    return {"officials": result.officials, "created": result.created, "updated": result.updated}
