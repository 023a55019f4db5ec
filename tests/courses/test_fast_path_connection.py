"""The fast path's one query goes without Django's connection health check before it (a round
trip of its own on PostgreSQL), and still answers when the connection turns out dead."""

import pytest
from django.db import OperationalError, connection

from lms.courses.services import enrolment_create
from tests.factories.courses import build_course, lessons_of

pytestmark = pytest.mark.usefixtures("fresh_memo")


@pytest.fixture
def warm_lesson(client, learner):
    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]
    enrolment_create(official=learner.official, course=course)
    client.force_login(learner)
    client.get(lesson.url)  # the slow path learns the route
    client.get(lesson.url)  # the fast path renders the skeleton
    return lesson


def _new_request_with_health_checks(monkeypatch) -> list:
    """The state Django leaves a persistent connection in at the start of a request, with
    CONN_HEALTH_CHECKS on; the list counts the health checks run."""
    checks = []
    real = connection.is_usable

    def is_usable():
        checks.append(1)
        return real()

    monkeypatch.setattr(connection, "is_usable", is_usable)
    monkeypatch.setattr(connection, "health_check_enabled", True)
    connection.health_check_done = False
    return checks


@pytest.mark.django_db(transaction=True)
def test_the_fast_path_sends_its_query_without_a_health_check(client, warm_lesson, monkeypatch):
    checks = _new_request_with_health_checks(monkeypatch)
    sent = []

    def count(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(warm_lesson.url)
    assert response.status_code == 200 and b"csrfmiddlewaretoken" in response.content
    assert checks == [] and len(sent) == 1
    assert connection.health_check_done


@pytest.mark.django_db(transaction=True)
def test_a_dead_connection_is_replaced_and_the_page_served(client, warm_lesson, monkeypatch):
    _new_request_with_health_checks(monkeypatch)
    closed, sent = [], []
    real_close = connection.close
    monkeypatch.setattr(connection, "close", lambda: closed.append(1) or real_close())

    def dead_once(execute, sql, params, many, context):
        sent.append(sql)
        if len(sent) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(dead_once):
        response = client.get(warm_lesson.url)
    assert response.status_code == 200
    assert warm_lesson.title in response.content.decode()
    assert len(sent) == 2 and closed == [1]
