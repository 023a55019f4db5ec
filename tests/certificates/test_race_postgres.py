"""Two completions racing give one certificate (PostgreSQL's unique index under real threads)."""

import threading

import pytest
from django.db import connection, connections

from lms.certificates import services
from lms.certificates.models import Certificate
from tests.factories.courses import build_course


# Skipped before any database set-up on SQLite: a transactional test's flush would otherwise
# empty the database under the next test (Wagtail's root page and site included).
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_threads_issuing_one_source_give_one_certificate(learner):
    course = build_course(lessons=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def issue():
        try:
            barrier.wait(timeout=10)
            results.append(
                services.certificate_issue(
                    source_key="race:1", official=learner.official, course=course
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Certificate.objects.filter(source_key="race:1").count() == 1
    assert sorted(created for _c, created in results) == [False, True]
    assert len({c.pk for c, _created in results}) == 1
