"""Settings and mail backend of the private Celery worker that tests/core/test_fault_outbox.py
starts and kills (DJANGO_SETTINGS_MODULE=tests.core.fault_worker)."""

from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from lms.settings.test import *  # noqa: F403

# Each email is "delivered" into a table, in the transaction that marks it sent: a transport
# as transactional as the outbox, so any email sent twice or never shows in the count.
EMAIL_BACKEND = "tests.core.fault_worker.SentLogBackend"
SENT_LOG = "fault_sent_log"
# Chunks go through this worker's own broker, and its embedded beat sweeps every second.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_RESULT_BACKEND = None
CELERY_BEAT_SCHEDULE = {
    "core-outbox-send": {"task": "lms.core.tasks.outbox_send", "schedule": 1.0},
}


class SentLogBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        with connection.cursor() as cursor:
            for message in email_messages:
                cursor.execute(
                    f"INSERT INTO {SENT_LOG} (message_id) VALUES (%s)",  # noqa: S608
                    [message.extra_headers["Message-ID"]],
                )
        return len(email_messages)
