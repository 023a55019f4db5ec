"""Staff sessions end at browser close and after a working day; learners keep a longer one."""

import time
from types import SimpleNamespace

import pytest
from django.test import Client

from lms.core import auth
from lms.core.models import Role

HOUR = 3600


def _log_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": "demo12345"})
    assert response.status_code == 302
    return client


def _later(monkeypatch, seconds):
    now = time.time() + seconds
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: now))


@pytest.mark.parametrize("role", [Role.TRAINER, Role.ISO_SECRETARY, Role.STEERING, Role.EDITOR])
def test_staff_session_ends_at_browser_close_and_after_a_working_day(
    role, make_user, tree, monkeypatch
):
    staff = make_user(role=role, agency=tree["province_a"])
    client = _log_in(staff)
    cookie = client.cookies["sessionid"]
    assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie
    assert client.session.get_expire_at_browser_close()
    _later(monkeypatch, 7 * HOUR)
    assert client.get("/account/").status_code == 200
    _later(monkeypatch, 8 * HOUR)
    response = client.get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_superuser_without_roles_is_staff(make_user, monkeypatch):
    admin = make_user(is_staff=True, is_superuser=True)
    client = _log_in(admin)
    assert client.session.get_expire_at_browser_close()


def test_learner_keeps_a_two_week_session(learner, monkeypatch, settings):
    client = _log_in(learner)
    max_age = int(client.cookies["sessionid"]["max-age"])
    assert max_age == settings.LEARNER_SESSION_SECONDS == 14 * 86400
    _later(monkeypatch, 9 * HOUR)
    assert client.get("/account/").status_code == 200
