"""A Celery worker killed with -9 while issuing a closed session's certificates: no certificate is
left without its PDF, and a re-run by a fresh worker finishes the batch with exactly one
certificate per completed registration.

The worker is a private one (its own redis-server as broker, settings in
tests/certificates/fault_worker.py), as in tests/core/test_fault_outbox.py; the batch task is
sent to it by name, so this test process never runs it inline.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from lms.celery import app
from lms.certificates.models import Certificate, IssueBatch
from lms.training.models import Registration
from tests.factories.courses import build_course
from tests.factories.training import AttendanceFactory, RegistrationFactory, session_with_days
from tests.services import PrivateRedis, services_only

pytestmark = [
    services_only,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # Sent on purpose to the private worker, whatever the test settings say about eager tasks.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

ROSTER = 60
TASK = "lms.certificates.tasks.run_batch"


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, broker: str, folder):
        self.broker, self.folder = broker, folder
        self.process = None

    def start(self):
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CELERY_", "CACHE_", "PYTEST_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.certificates.fault_worker",
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=self.broker,
            FAULT_PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
            PYTHONPATH=str(settings.BASE_DIR),
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms",
                "worker",
                "--concurrency=1",
                "--pool=prefork",
                "--loglevel=WARNING",
                "--logfile",
                str(self.folder / "worker.log"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            start_new_session=True,  # its own process group: -9 reaches the pool child too
        )

    def kill(self, sig=signal.SIGKILL):
        os.killpg(self.process.pid, sig)
        self.process.wait(30)


def _send(broker: str, batch_id: int) -> None:
    """Queue the batch on the private broker (send_task never runs inline)."""
    with app.connection_for_write(broker) as conn:
        app.send_task(TASK, args=[batch_id], connection=conn)


def _wait_for(condition, what: str, worker: Worker, seconds=300):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            log = (worker.folder / "worker.log").read_text()[-3000:]
            pytest.fail(f"gave up waiting for {what}; worker log:\n{log}")
        time.sleep(0.1)


def _no_certificate_without_its_pdf():
    for certificate in Certificate.objects.all():
        assert certificate.pdf, f"{certificate.code} has no PDF"
        assert certificate.pdf.storage.exists(certificate.pdf.name), certificate.pdf.name
        with certificate.pdf.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"


def test_worker_killed_mid_batch_leaves_no_half_certificate_and_a_rerun_finishes(tree, tmp_path):
    course = build_course(lessons=1, title="Nhận thức chung về ISO 9001")
    session = session_with_days(tree["commune_a1"], days=1, course=course)
    day = session.days.get()
    for _ in range(ROSTER):
        registration = RegistrationFactory(session=session, agency=tree["commune_a1"])
        AttendanceFactory(day=day, registration=registration)
    RegistrationFactory(session=session, agency=tree["commune_a1"])  # did not attend
    Registration.objects.filter(session=session, attendances__isnull=False).update(
        completed=True, attendance_percent=100
    )
    batch = IssueBatch.objects.create(session=session)

    broker = PrivateRedis(tmp_path)
    broker.start()
    worker = Worker(f"{broker.url}/0", tmp_path)
    try:
        worker.start()
        _send(worker.broker, batch.pk)
        _wait_for(lambda: Certificate.objects.count() >= ROSTER // 4, "a quarter issued", worker)
        worker.kill()
        killed_at = Certificate.objects.count()
        assert killed_at < ROSTER, "the batch finished before the kill"
        batch.refresh_from_db()
        assert batch.status == IssueBatch.Status.RUNNING
        _no_certificate_without_its_pdf()

        worker.start()
        _send(worker.broker, batch.pk)  # the re-run (an operator's, or the broker's redelivery)
        _wait_for(
            lambda: IssueBatch.objects.filter(pk=batch.pk, status="done").exists(),
            "the batch finished",
            worker,
        )
        worker.kill(signal.SIGTERM)
    finally:
        if worker.process and worker.process.poll() is None:
            worker.kill()
        broker.stop()

    batch.refresh_from_db()
    assert (batch.total, batch.issued) == (ROSTER, ROSTER)
    completed = set(
        Registration.objects.filter(session=session, completed=True).values_list("pk", flat=True)
    )
    issued = list(Certificate.objects.values_list("registration_id", flat=True))
    assert len(issued) == len(set(issued)) == ROSTER
    assert set(issued) == completed
    _no_certificate_without_its_pdf()
