"""Prove that a Celery worker is consuming the queue: send a heartbeat task and wait for it."""

import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from lms.core.tasks import HEARTBEAT_KEY, worker_heartbeat


class Command(BaseCommand):
    help = "Queue a heartbeat task and wait until a worker has run it (exit 1 on timeout)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=float, default=30.0, help="Seconds to wait (default 30)."
        )

    def handle(self, *args, timeout: float, **options):
        from lms.celery import app

        if app.conf.task_always_eager:
            self.stdout.write(
                "Celery runs tasks inline (no CELERY_BROKER_URL): no worker to check."
            )
            return
        if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
            raise CommandError(
                "The cache is local to this process: set CACHE_URL to a shared Redis cache."
            )
        token = secrets.token_hex(8)
        worker_heartbeat.delay(token)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stamp = cache.get(HEARTBEAT_KEY.format(token=token))
            if stamp:
                self.stdout.write(self.style.SUCCESS(f"A worker ran the heartbeat at {stamp}."))
                return
            time.sleep(0.2)
        raise CommandError(
            f"No worker ran the heartbeat within {timeout:g} s: is `celery -A lms worker` running?"
        )
