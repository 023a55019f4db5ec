"""ISO 9001 training platform for Vietnamese state agencies."""

from .celery import app as celery_app

__all__ = ("celery_app",)
