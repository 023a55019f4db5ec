"""Background work for course pages.

Beat: ``send_due_reminders`` daily queues due-date reminders and overdue digests;
``lms.courses.tasks.publish_scheduled`` every minute publishes the revisions editors
scheduled in the admin ("Go live date") and unpublishes pages whose expiry has passed; Wagtail
leaves that to its ``publish_scheduled`` command, which nothing would otherwise run.
"""

from io import StringIO

from celery import shared_task
from django.core.management import call_command


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def publish_scheduled() -> str:
    """Idempotent: a revision published or a page expired once is not picked up again."""
    out = StringIO()
    call_command("publish_scheduled", stdout=out)
    return out.getvalue()


@shared_task(acks_late=True)
def send_due_reminders() -> int:
    """Daily: due-date reminders to officials and the weekly overdue digests (once each)."""
    from .services import due_reminders_send, overdue_digests_send

    return due_reminders_send() + overdue_digests_send()
