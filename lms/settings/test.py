"""Test settings: fast hashing, in-memory email, eager Celery unless a broker is given."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / str(os.getpid())
# Tests must see the same language whatever the machine's locale says.
LANGUAGE_CODE = "vi"
# Tasks run inline in tests even when a broker is configured; tests/core/test_worker.py turns this
# off to prove a real worker consumes the queue (CI's services run, LMS_REAL_WORKER=1).
CELERY_TASK_ALWAYS_EAGER = True
