"""Login throttling (django-axes) on every login page, and throttled password reset requests."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

LOGIN_PAGES = ["/accounts/login/", "/admin/login/", "/django-admin/login/"]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.AXES_FAILURE_LIMIT = 3
    with translation.override("en"):
        yield


def _login(client, url, username, password, ip="10.0.0.1"):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en"
    )


def _locked(response):
    return response.status_code == 429 and "Too many login attempts" in response.content.decode()


def _logged_in(response):
    return response.status_code == 302 and "/login/" not in response["Location"]


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_wrong_passwords_lock_the_account_on_every_login_page(url, make_user, tree):
    from lms.core.models import Role

    make_user(role=Role.ADMIN, username="t_admin", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(2):
        assert _login(client, url, "t_admin", "wrong").status_code == 200
    assert _locked(_login(client, url, "t_admin", "wrong"))  # the third
    assert _locked(_login(client, url, "t_admin", "demo12345"))
    # Another client (another address) is refused for the same account too.
    assert _locked(_login(Client(), url, "t_admin", "demo12345", ip="10.9.9.9"))


def test_one_client_is_locked_whatever_the_account(learner, make_user, settings):
    settings.LOGIN_CLIENT_FAILURE_RATE = "6/h"
    for n in range(6):
        _login(Client(), "/accounts/login/", f"nobody{n}", "wrong", ip="10.0.0.7")
    name = learner.username
    assert _locked(_login(Client(), "/accounts/login/", name, "demo12345", ip="10.0.0.7"))
    assert _logged_in(_login(Client(), "/accounts/login/", name, "demo12345", ip="10.0.0.8"))


def test_a_room_behind_one_address_is_not_locked_by_a_few_typing_mistakes(learner, make_user):
    """Officials of one office share its address: each person's mistakes lock only their account
    (the per-account limit is 3 here), the address stays open below its own, higher limit."""
    for n in range(10):
        for _ in range(2):
            _login(Client(), "/accounts/login/", f"colleague{n}", "typo", ip="10.0.0.9")
    name = learner.username
    assert _logged_in(_login(Client(), "/accounts/login/", name, "demo12345", ip="10.0.0.9"))


def test_the_lockout_page_is_translated(learner):
    for _ in range(3):
        _login(Client(), "/accounts/login/", learner.username, "wrong")
    with translation.override("vi"):
        response = Client().post(
            "/accounts/login/",
            {"username": learner.username, "password": "demo12345"},
            HTTP_ACCEPT_LANGUAGE="vi",
        )
        assert response.status_code == 429
        assert gettext("Too many login attempts") in response.content.decode()
        assert gettext("Too many login attempts") != "Too many login attempts"


@pytest.mark.parametrize("command", ["axes_reset", "axes_reset_username"])
def test_unlock_restores_the_login(learner, command):
    for _ in range(3):
        _login(Client(), "/accounts/login/", learner.username, "wrong")
    assert _locked(_login(Client(), "/accounts/login/", learner.username, "demo12345"))
    args = [learner.username] if command == "axes_reset_username" else []
    call_command(command, *args)
    assert _logged_in(_login(Client(), "/accounts/login/", learner.username, "demo12345"))


def test_client_address_comes_from_the_configured_proxy_header(learner, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.LOGIN_CLIENT_FAILURE_RATE = "3/h"
    for n in range(3):
        Client().post(
            "/accounts/login/",
            {"username": f"nobody{n}", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_REAL_IP="203.0.113.5",
        )
    other = Client().post(
        "/accounts/login/",
        {"username": learner.username, "password": "demo12345"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_REAL_IP="203.0.113.6",
    )
    assert _logged_in(other)  # the proxy's own address is not what gets locked


def test_password_reset_requests_are_throttled(learner, settings):
    settings.PASSWORD_RESET_RATE = "2/h"
    client = Client()
    answers = [
        client.post("/accounts/password-reset/", {"email": learner.email}).status_code
        for _ in range(4)
    ]
    assert answers == [302, 302, 429, 429]
    assert len(mail.outbox) == 2
    # Another client asking for the same address is throttled too.
    other = Client().post(
        "/accounts/password-reset/", {"email": learner.email}, REMOTE_ADDR="10.1.1.1"
    )
    assert other.status_code == 429
