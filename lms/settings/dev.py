"""Embedded default for a developer's machine: SQLite, eager Celery, console email."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = ["*"]
