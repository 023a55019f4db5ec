"""Benchmark settings: the embedded default with DEBUG off, plus a bare view to compare against."""

from lms.settings.dev import *  # noqa: F403

DEBUG = False
LMS_ALLOW_DEMO = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
# The verify page is measured for throughput, not for its per-client limit (still counted).
CERTIFICATE_VERIFY_RATE = "100000000/s"
