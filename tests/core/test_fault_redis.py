"""Redis stopped or frozen: pages, logins and check-ins still answer, from the database.

The cache is pointed at a redis-server of this test's own (tests/services.py), never the shared
one. Each cache call then costs at most the configured socket timeouts (asserted on the client
redis-py builds, not timed) and counts as a miss; sessions are read back from the database.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lms.courses.services import enrolment_create
from lms.settings.base import redis_cache
from lms.training import checkin
from lms.training.models import Attendance
from tests.factories.courses import build_course, lessons_of
from tests.factories.training_attendance import attendance_world
from tests.services import PrivateRedis, services_only
from tests.training.conftest import training_today  # noqa: F401 - check-in on the training clock

pytestmark = [services_only, pytest.mark.django_db]

PASSWORD = "Mật-khẩu-thử-9"


@pytest.fixture
def redis_server(tmp_path, settings):
    server = PrivateRedis(tmp_path)
    server.start()
    settings.CACHES = {"default": redis_cache(f"{server.url}/0", "lms-fault")}
    yield server
    server.stop()


@pytest.fixture
def world(make_user, tree, monkeypatch):
    world = attendance_world(make_user, tree)
    world["learner"].set_password(PASSWORD)
    world["learner"].save()
    monkeypatch.setattr("lms.training.views_attendance.checkin_today", lambda: world["day"].date)
    course = build_course(modules=1, lessons=1)
    enrolment_create(official=world["learner"].official, course=course)
    world["lesson"] = lessons_of(course)[0]
    return world


def _log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def _checks(client, fresh_client, world, registration):
    """Pages answer for the signed-in learner, a new login works, a QR check-in is recorded (or,
    the second time, answered as already recorded)."""
    assert client.get("/").status_code == 200
    account = client.get(reverse("account"))
    assert account.status_code == 200  # still signed in: the session came from the database
    assert world["learner"].username in account.content.decode()
    lesson = client.get(world["lesson"].url)  # the page cache's fast path falls back to Wagtail
    assert lesson.status_code == 200 and world["lesson"].title in lesson.content.decode()
    _log_in(fresh_client, world["learner"])
    assert fresh_client.get(reverse("account")).status_code == 200
    day = world["day"]
    url = reverse(
        "training:checkin",
        kwargs={
            "pk": day.session_id,
            "day_pk": day.pk,
            "token": checkin.checkin_token_issue(day=day),
        },
    )
    assert client.post(url).status_code == 200
    assert Attendance.objects.filter(day=day, registration=registration).exists()


def test_the_cache_has_timeouts_and_outages_count_as_misses(redis_server):
    kwargs = cache.client.get_client().connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] <= 0.5 and kwargs["socket_connect_timeout"] <= 0.5
    assert cache._ignore_exceptions


def test_redis_stopped_then_frozen_then_back(redis_server, world):
    client, fresh = Client(), Client()
    _log_in(client, world["learner"])
    assert client.get(reverse("account")).status_code == 200
    client.get(world["lesson"].url)  # rendered into the cache
    assert redis_server.dbsize() > 0  # session, user and lesson page were cached

    redis_server.stop()
    _checks(client, fresh, world, world["registrations"][0])

    redis_server.start()  # back, empty (as after a restart or a flush): the session survives
    assert client.get(reverse("account")).status_code == 200
    assert redis_server.dbsize() > 0  # and the cache is used again

    # Frozen: connections open but nothing answers. Each call waits the socket timeout, no more.
    redis_server.freeze()
    try:
        _checks(client, Client(), world, world["registrations"][0])
    finally:
        redis_server.thaw()
    assert client.get(reverse("account")).status_code == 200
