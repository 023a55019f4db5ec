"""Background work on logins."""

from __future__ import annotations

from celery import shared_task


@shared_task
def deactivate_leavers() -> int:
    """Daily: deactivate the logins of officials whose last post ended."""
    from .services import accounts_deactivate_leavers

    return accounts_deactivate_leavers()
