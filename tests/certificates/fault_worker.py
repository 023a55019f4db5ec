"""Settings of the private Celery worker that tests/certificates/test_fault_batch.py starts and
kills (DJANGO_SETTINGS_MODULE=tests.certificates.fault_worker): the test's database and private
media folder, tasks from its own broker."""

import os

from lms.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_RESULT_BACKEND = None
CELERY_BEAT_SCHEDULE = {}
PRIVATE_MEDIA_ROOT = os.environ["FAULT_PRIVATE_MEDIA_ROOT"]
