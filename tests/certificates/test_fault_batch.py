"""A Celery worker killed with -9 while issuing a closed session's certificates: no certificate is
left without its PDF, and a re-run by a fresh worker finishes the batch with exactly one
certificate per completed registration.

The worker is a private one (its own redis-server as broker, settings in
tests/certificates/fault_worker.py), as in tests/core/test_fault_outbox.py; the batch task is
sent to it by name, so this test process never runs it inline.
"""

import pytest
from django.conf import settings

from lms.celery import app
from lms.certificates.models import Certificate, IssueBatch
from lms.training.models import Registration
from tests.factories.courses import build_course
from tests.factories.training import AttendanceFactory, RegistrationFactory, session_with_days
from tests.services import PrivateRedis, PrivateWorker, services_only

pytestmark = [
    services_only,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # Sent on purpose to the private worker, whatever the test settings say about eager tasks.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

ROSTER = 60
TASK = "lms.certificates.tasks.run_batch"


def _send(broker: str, batch_id: int) -> None:
    """Queue the batch on the private broker (send_task never runs inline)."""
    with app.connection_for_write(broker) as conn:
        app.send_task(TASK, args=[batch_id], connection=conn)


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
    worker = PrivateWorker(
        f"{broker.url}/0",
        tmp_path,
        settings_module="tests.certificates.fault_worker",
        args=["--concurrency=1"],
        env={"FAULT_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT)},
    )
    try:
        worker.start()
        _send(worker.broker, batch.pk)
        worker.wait_for(lambda: Certificate.objects.count() >= ROSTER // 4, "a quarter issued")
        worker.kill()
        killed_at = Certificate.objects.count()
        assert killed_at < ROSTER, "the batch finished before the kill"
        batch.refresh_from_db()
        assert batch.status == IssueBatch.Status.RUNNING
        _no_certificate_without_its_pdf()

        worker.start()
        _send(worker.broker, batch.pk)  # the re-run (an operator's, or the broker's redelivery)
        worker.wait_for(
            lambda: IssueBatch.objects.filter(pk=batch.pk, status="done").exists(),
            "the batch finished",
        )
        # The batch is done and checked below from the database: stop the worker outright (a
        # warm shutdown waits for whatever it took from the queue next, over 30 s on a busy CI).
        worker.kill()
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
