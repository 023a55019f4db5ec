"""Test settings: fast hashing, in-memory email, eager Celery unless a broker is given."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = False
LMS_ALLOW_DEMO = True
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / str(os.getpid())
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private" / str(os.getpid())
# Tests must see the same language whatever the machine's locale says.
LANGUAGE_CODE = "vi"
# Tasks run inline in tests even when a broker is configured; tests/core/test_worker.py turns this
# off to prove a real worker consumes the queue (CI's services run, LMS_REAL_WORKER=1).
CELERY_TASK_ALWAYS_EAGER = True

# Each test process keeps its own cache: memory by default; with CACHE_URL (the services run), a
# key prefix per pytest-xdist worker, as each worker also has a database of its own. Processes
# outside pytest (the Celery worker of the services run) use the plain prefix.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    _worker = os.environ.get("PYTEST_XDIST_WORKER")
    CACHES["default"]["KEY_PREFIX"] = f"lms-test-{_worker}" if _worker else "lms-test"  # noqa: F405
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests that need two-factor for admins turn it on (tests/users/test_otp.py); the e2e demo admin
# logs in with a password only.
OTP_REQUIRED_FOR_ADMINS = False
# A lesson opened is written in its request, so tests read it at once (tests/courses/test_seen.py
# runs the batched queue).
LESSON_SEEN_FLUSH_SECONDS = 0
