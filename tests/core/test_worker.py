"""A real Celery worker consumes the queue (CI's services run sets LMS_REAL_WORKER=1)."""

import os
from io import StringIO

import pytest
from django.core.management import call_command

from lms.celery import app
from lms.core.tasks import HEARTBEAT_KEY, worker_heartbeat


def test_heartbeat_task_writes_the_mark_inline(settings):
    from django.core.cache import cache

    stamp = worker_heartbeat.apply(args=["inline"]).result
    assert cache.get(HEARTBEAT_KEY.format(token="inline")) == stamp


def test_check_worker_says_when_tasks_run_inline():
    out = StringIO()
    call_command("check_worker", stdout=out)
    assert "inline" in out.getvalue()


@pytest.mark.skipif(
    not os.environ.get("LMS_REAL_WORKER"), reason="needs the real worker of CI's services run"
)
def test_real_worker_runs_the_heartbeat(monkeypatch, settings):
    # The worker runs outside pytest-xdist: read its mark under its key prefix (settings.test).
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": "lms-test"}}
    # Settings come in under the CELERY_ namespace: switch the namespaced key.
    monkeypatch.setitem(app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    assert not app.conf.task_always_eager
    out = StringIO()
    call_command("check_worker", "--timeout", "60", stdout=out)
    assert "A worker ran the heartbeat" in out.getvalue()
