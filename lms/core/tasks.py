"""Platform-level background tasks.

Beat: ``lms.core.tasks.outbox_send`` every minute sends the emails waiting in the outbox;
``roles_sync_ended`` after midnight takes Wagtail access from editors whose grant ended.
"""

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

HEARTBEAT_KEY = "lms:worker-heartbeat:{token}"


@shared_task(acks_late=True)
def worker_heartbeat(token: str) -> str:
    """Leave a mark in the shared cache so `manage.py check_worker` can see a worker ran it."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY.format(token=token), stamp, timeout=300)
    return stamp


# The time limit (a killed run leaves its current row pending) stays under the broker's
# visibility timeout (settings), so a running send is never handed to a second worker as lost.
# Two runs at once are safe: rows are locked one by one.
@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=300,
)
def outbox_send(limit: int | None = None) -> int:
    """Send a chunk of the outbox; a full chunk queues the next one."""
    from .outbox import CHUNK, outbox_kick, outbox_send_due

    limit = limit or CHUNK
    handled = outbox_send_due(limit=limit)
    if handled == limit:
        outbox_kick()
    return handled


@shared_task
def roles_sync_ended() -> int:
    """Wagtail's groups follow the editor grants that ended yesterday."""
    from .services import roles_sync_ended as sync

    return sync()


@shared_task(acks_late=True)
def run_bulk_job(job_id: int) -> str | None:
    """Run a queued background job (lms.core.jobs); safe to deliver twice."""
    from .jobs import bulk_job_run

    job = bulk_job_run(job_id=job_id)
    return None if job is None else job.status
