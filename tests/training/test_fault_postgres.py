"""PostgreSQL connections cut under a burst of QR check-ins: no 500s after, nothing lost.

Terminating every backend of the test database stands for a server restart: to the web
processes a restart is exactly that (each persistent connection they hold is closed by the
server, and the next statement on it fails), while the shared server that other test runs use
stays up. What a restart adds (refusing connections for a few seconds) is a request that fails
while the database is away, not a stale connection afterwards.
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from lms.core.models import Role
from lms.training import checkin
from lms.training.models import Attendance
from tests.factories.training_attendance import DayFactory, RegistrationFactory, SessionFactory
from tests.services import services_only

pytestmark = [services_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 4
PER_THREAD = 6  # half before the cut, half after


@pytest.fixture
def burst_world(make_user, tree, monkeypatch):
    session = SessionFactory(host_agency=tree["commune_a1"])
    day = DayFactory(session=session)
    monkeypatch.setattr("lms.training.views_attendance.checkin_today", lambda: day.date)
    # Behave as a WSGI server does: the test client unhooks the per-request connection check.
    monkeypatch.setattr("django.test.client.close_old_connections", lambda **kwargs: None)
    clients = []
    for index in range(THREADS * PER_THREAD):
        user = make_user(role=Role.LEARNER, agency=tree["commune_a1"], username=f"burst{index}")
        registration = RegistrationFactory(session=session, official=user.official)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append((client, registration))
    return day, clients


def _terminate_other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_check_ins_survive_cut_connections(burst_world):
    day, clients = burst_world
    url = reverse(
        "training:checkin",
        kwargs={
            "pk": day.session_id,
            "day_pk": day.pk,
            "token": checkin.checkin_token_issue(day=day),
        },
    )
    cut = threading.Barrier(THREADS + 1)
    resumed = threading.Barrier(THREADS + 1)
    answers: list[tuple[str, int, int]] = []

    def burst(mine):
        half = len(mine) // 2
        for phase, part in (("before", mine[:half]), ("after", mine[half:])):
            for client, registration in part:
                answers.append((phase, registration.pk, client.post(url).status_code))
            if phase == "before":
                cut.wait()  # this thread's connection stays open, idle, while it is cut
                resumed.wait()
        connections.close_all()  # this thread's, so the test database can be dropped

    workers = [threading.Thread(target=burst, args=(clients[i::THREADS],)) for i in range(THREADS)]
    for worker in workers:
        worker.start()
    cut.wait()
    assert _terminate_other_backends() >= THREADS  # every thread's persistent connection
    resumed.wait()
    for worker in workers:
        worker.join()

    assert sorted(status for _, _, status in answers) == [200] * len(clients)
    acknowledged = {pk for _, pk, status in answers if status == 200}
    recorded = set(Attendance.objects.filter(day=day).values_list("registration_id", flat=True))
    assert recorded == acknowledged
