"""Platform-level background tasks."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "lms:worker-heartbeat:{token}"


@shared_task(acks_late=True)
def worker_heartbeat(token: str) -> str:
    """Leave a mark in the shared cache so `manage.py check_worker` can see a worker ran it."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY.format(token=token), stamp, timeout=300)
    return stamp
