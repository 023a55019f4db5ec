"""A Celery worker killed with -9 while sending thousands of invitations: after a restart each
is sent exactly once.

The worker is a private one (its own redis-server as broker, embedded beat sweeping the outbox
every second, settings in tests/core/fault_worker.py) so CI's shared worker never takes part. Its
mail backend writes each email into a table in the transaction that marks the row sent, so the
table counts deliveries exactly. INVITATIONS is a few thousand, not 20,000: on the CI machine
(two cores) 20,000 take minutes to send twice over, and a kill half-way proves the same thing.
"""

import signal

import pytest
from django.db import connection

from lms.agencies.models import Official
from lms.core.models import OutboxMessage, OutboxStatus
from lms.training import services
from lms.training.models import SessionStatus
from tests.core.fault_worker import SENT_LOG
from tests.factories.training import session_with_days
from tests.services import PrivateRedis, PrivateWorker, services_only

pytestmark = [services_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

INVITATIONS = 3000


def _count(status) -> int:
    return OutboxMessage.objects.filter(status=status).count()


@pytest.fixture
def sent_log():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {SENT_LOG} (message_id text NOT NULL)")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {SENT_LOG}")


def test_worker_killed_mid_send_loses_and_repeats_nothing(tree, sent_log, tmp_path, monkeypatch):
    # The invitations are queued as a service queues them, but only the private worker sends.
    monkeypatch.setattr("lms.core.outbox.outbox_kick", lambda: None)
    session = session_with_days(tree["commune_a1"], days=1, status=SessionStatus.OPEN)
    officials = Official.objects.bulk_create(
        Official(full_name=f"Cán bộ {i}", email=f"canbo{i}@example.gov.vn")
        for i in range(INVITATIONS)
    )
    services.registration_invite(session=session, officials=officials, by=None)
    assert _count(OutboxStatus.PENDING) == INVITATIONS

    broker = PrivateRedis(tmp_path)
    broker.start()
    worker = PrivateWorker(
        f"{broker.url}/0",
        tmp_path,
        settings_module="tests.core.fault_worker",
        args=["-B", "--concurrency=2", "--schedule", str(tmp_path / "beat-schedule")],
    )
    try:
        worker.start()
        worker.wait_for(lambda: _count(OutboxStatus.SENT) >= INVITATIONS // 3, "a third sent")
        worker.kill()
        sent_before = _count(OutboxStatus.SENT)
        assert sent_before < INVITATIONS  # killed half-way

        worker.start()
        worker.wait_for(lambda: _count(OutboxStatus.PENDING) == 0, "the rest sent")
        worker.kill(signal.SIGTERM)
    finally:
        if worker.process and worker.process.poll() is None:
            worker.kill()
        broker.stop()

    assert _count(OutboxStatus.SENT) == INVITATIONS
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), count(DISTINCT message_id) FROM {SENT_LOG}")
        assert cursor.fetchone() == (INVITATIONS, INVITATIONS)
