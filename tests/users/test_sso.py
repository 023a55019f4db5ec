"""Single sign-on (OpenID Connect): the matching rules, refusals and what a login keeps (throttling,
two-factor, session lifetimes). The provider's endpoints are mocked at the HTTP level
(requests-mock) around a stub that signs real RS256 id_tokens; the services suite runs the same
flow against the stub served over HTTP (tests/users/test_sso_services.py)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import pytest
import requests
from axes.models import AccessAttempt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY, authenticate
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from lms.agencies.models import Official
from lms.core.auth import STAFF_UNTIL_KEY
from lms.core.models import OutboxMessage, Role
from lms.users.models import User
from lms.users.oidc import SESSION_BACKEND
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.users import sso_flow
from tests.users.oidc_stub import CLIENT_ID, StubProvider


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def provider(settings, requests_mock):
    """SSO on, pointed at a stub provider whose endpoints requests-mock answers."""
    stub = StubProvider()
    for name, value in stub.settings().items():
        setattr(settings, name, value)
    requests_mock.get(stub.url("jwks"), json=lambda request, context: stub.jwks())

    def token(request, context):
        status, body = stub.token({k: v[0] for k, v in parse_qs(request.text).items()})
        context.status_code = status
        return body

    def userinfo(request, context):
        status, body = stub.userinfo(request.headers.get("Authorization", ""))
        context.status_code = status
        return body

    requests_mock.post(stub.url("token"), json=token)
    requests_mock.get(stub.url("userinfo"), json=userinfo)
    return stub


def sign_in(client, provider, claims: dict, next_url: str | None = None):
    """The whole flow: the button, the provider's sign-in as ``claims``, the callback."""
    query = sso_flow.start(client, next_url)
    provider.person = {"sub": "sub-1", **claims}
    return sso_flow.callback(client, provider.authorize(query))


def logged_in_as(client) -> User | None:
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


def refusal(client, response) -> str:
    """The message the login page shows after a refused sign-in."""
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert logged_in_as(client) is None
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = " ".join(str(m) for m in page.context["messages"])
    assert text in page.content.decode().replace("&#x27;", "'")
    return text


@pytest.fixture
def official(tree):
    person = OfficialFactory(full_name="Nguyễn Văn Sơn", staff_code="BN-042", email="son@bn.gov.vn")
    AssignmentFactory(official=person, agency=tree["commune_a1"])
    return person


def test_staff_code_claim_signs_in_the_official_and_makes_the_login_once(provider, official):
    client = Client()
    response = sign_in(client, provider, {"staff_code": "bn-042"}, next_url="/learn/")
    assert response.status_code == 302 and response["Location"] == "/learn/"
    official.refresh_from_db()
    user = logged_in_as(client)
    assert user == official.user
    assert (user.username, user.email) == ("BN-042", "son@bn.gov.vn")
    assert user.full_name == official.full_name
    assert not user.has_usable_password()
    assert user.history.get().history_change_reason == "account created by single sign-on"
    # The provider vouched for the person: no activation email is queued or sent.
    assert not OutboxMessage.objects.exists() and not mail.outbox
    # The session loads its user as a password session does (from the cache).
    assert client.session["_auth_user_backend"] == SESSION_BACKEND
    # Next time the same login is used; nothing new is created.
    again = Client()
    sign_in(again, provider, {"staff_code": "BN-042"})
    assert logged_in_as(again) == user
    assert User.objects.count() == 1


def test_an_existing_login_is_used_in_a_fixed_number_of_queries(
    provider, official, django_assert_max_num_queries
):
    official.user = User.objects.create(username="son", email="son@bn.gov.vn")
    official.save()
    client = Client()
    query = sso_flow.start(client)
    provider.person = {"sub": "sub-1", "staff_code": "BN-042"}
    location = provider.authorize(query)
    with django_assert_max_num_queries(30):
        sso_flow.callback(client, location)
    assert logged_in_as(client) == official.user
    assert User.objects.count() == 1


def test_a_verified_email_matches_when_no_staff_code_is_given(provider, official):
    client = Client()
    sign_in(client, provider, {"email": "SON@bn.gov.vn", "email_verified": True})
    assert logged_in_as(client) == Official.objects.get(pk=official.pk).user


def test_an_unverified_email_matches_nobody(provider, official):
    client = Client()
    response = sign_in(client, provider, {"email": "son@bn.gov.vn", "email_verified": False})
    assert "No official on this platform matches your VNeID Bắc Ninh account" in refusal(
        client, response
    )
    assert not User.objects.exists()


def test_verified_email_may_be_waived_for_providers_that_do_not_send_it(
    provider, official, settings
):
    settings.OIDC_REQUIRE_VERIFIED_EMAIL = False
    client = Client()
    sign_in(client, provider, {"email": "son@bn.gov.vn"})
    assert logged_in_as(client) is not None


def test_the_staff_code_claim_name_is_configurable(provider, official, settings):
    settings.OIDC_STAFF_CODE_CLAIM = "employee_number"
    client = Client()
    sign_in(client, provider, {"employee_number": "BN-042", "staff_code": "XX-1"})
    assert logged_in_as(client).official == official


def test_an_unknown_person_is_refused_and_nothing_is_created(provider, official):
    officials = Official.objects.count()
    client = Client()
    response = sign_in(
        client,
        provider,
        {"staff_code": "HN-999", "email": "stranger@example.org", "email_verified": True},
    )
    assert "No official on this platform matches" in refusal(client, response)
    assert not User.objects.exists()
    assert Official.objects.count() == officials


def test_two_officials_with_the_email_are_never_guessed_between(provider, official):
    OfficialFactory(full_name="Nguyễn Văn Sơn", email="son@bn.gov.vn")
    client = Client()
    response = sign_in(client, provider, {"email": "son@bn.gov.vn", "email_verified": True})
    assert "matches more than one official" in refusal(client, response)
    assert not User.objects.exists()


def test_two_officials_whose_staff_codes_differ_only_in_case_are_ambiguous(provider, official):
    OfficialFactory(staff_code="bn-042")
    client = Client()
    response = sign_in(client, provider, {"staff_code": "Bn-042"})
    assert "matches more than one official" in refusal(client, response)


def test_an_email_leading_to_another_staff_code_is_a_conflict(provider, official):
    client = Client()
    response = sign_in(
        client,
        provider,
        {"staff_code": "BN-777", "email": "son@bn.gov.vn", "email_verified": True},
    )
    assert "gives another staff code" in refusal(client, response)
    assert not User.objects.exists()


def test_a_deactivated_login_is_refused(provider, official):
    official.user = User.objects.create(username="BN-042", is_active=False)
    official.save()
    client = Client()
    response = sign_in(client, provider, {"staff_code": "BN-042"})
    assert "Your login is deactivated" in refusal(client, response)
    assert User.objects.get().is_active is False


def test_an_account_locked_by_wrong_passwords_stays_locked_for_single_sign_on(
    provider, official, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        Client().post(reverse("login"), {"username": "bn-042", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="bn-042").exists()
    client = Client()
    response = sign_in(client, provider, {"staff_code": "BN-042"})
    assert "locked after too many failed logins" in refusal(client, response)


def test_refused_sign_ins_count_against_the_client_address(provider, official, settings):
    settings.LOGIN_CLIENT_FAILURE_RATE = "3/h"
    for _ in range(3):
        client = Client()
        sign_in(client, provider, {"staff_code": "NOBODY"})
        assert logged_in_as(client) is None
    client = Client()
    response = sign_in(client, provider, {"staff_code": "BN-042"})
    assert response.status_code == 429  # the lockout page, as for passwords
    assert logged_in_as(client) is None


def test_a_token_signed_with_another_key_is_refused(provider, official, requests_mock):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = Client()
    query = sso_flow.start(client)
    provider.person = {"sub": "sub-1", "staff_code": "BN-042"}
    requests_mock.post(
        provider.url("token"),
        json={
            "access_token": "x",
            "id_token": provider.id_token({"sub": "sub-1"}, nonce=query["nonce"], key=other),
        },
    )
    response = sso_flow.callback(client, provider.authorize(query))
    assert "did not confirm your sign-in" in refusal(client, response)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "override",
    [
        {"aud": "another-client"},
        {"iss": "https://evil.example.test"},
        {"nonce": "replayed"},
        {"exp": int(time.time()) - 60},
    ],
    ids=["audience", "issuer", "nonce", "expired"],
)
def test_an_id_token_for_someone_else_is_refused(provider, official, requests_mock, override):
    client = Client()
    query = sso_flow.start(client)
    provider.person = {"sub": "sub-1", "staff_code": "BN-042"}
    provider.tokens["x"] = provider.person
    claims = {"sub": "sub-1", "nonce": query["nonce"], "aud": CLIENT_ID, **override}
    requests_mock.post(
        provider.url("token"),
        json={"access_token": "x", "id_token": provider.id_token(claims, nonce=claims["nonce"])},
    )
    response = sso_flow.callback(client, provider.authorize(query))
    assert "did not confirm your sign-in" in refusal(client, response)


def test_userinfo_about_another_subject_is_refused(provider, official, requests_mock):
    requests_mock.get(provider.url("userinfo"), json={"sub": "other", "staff_code": "BN-042"})
    client = Client()
    response = sign_in(client, provider, {"staff_code": "BN-042"})
    assert "did not confirm your sign-in" in refusal(client, response)


def test_a_provider_that_does_not_answer_is_a_refusal_not_an_error(
    provider, official, requests_mock
):
    requests_mock.post(provider.url("token"), exc=requests.ConnectionError)
    client = Client()
    response = sign_in(client, provider, {"staff_code": "BN-042"})
    assert "did not confirm your sign-in" in refusal(client, response)


def test_a_cancelled_sign_in_and_an_unknown_state_go_back_to_the_login_page(provider, official):
    client = Client()
    query = sso_flow.start(client)
    cancelled = {"error": "access_denied", "state": query["state"]}
    response = client.get(reverse("sso:callback"), cancelled)
    assert "was cancelled or refused" in refusal(client, response)
    response = client.get(reverse("sso:callback"), {"code": "abc", "state": "never-started"})
    assert "This sign-in has expired" in refusal(client, response)


def test_a_staff_member_gets_the_staff_session_and_a_learner_the_long_one(
    provider, official, tree, settings
):
    learner = Client()
    sign_in(learner, provider, {"staff_code": "BN-042"})
    assert learner.session.get_expiry_age() == settings.LEARNER_SESSION_SECONDS
    assert STAFF_UNTIL_KEY not in learner.session
    trainer_official = OfficialFactory(staff_code="BN-100")
    AssignmentFactory(official=trainer_official, agency=tree["commune_a1"])
    trainer = User.objects.create(username="trainer-100")
    trainer_official.user = trainer
    trainer_official.save()
    from tests.factories.core import RoleAssignmentFactory

    RoleAssignmentFactory(user=trainer, role=Role.TRAINER, agency=tree["province_a"])
    staff = Client()
    sign_in(staff, provider, {"staff_code": "BN-100"})
    assert logged_in_as(staff) == trainer
    assert staff.session.get_expire_at_browser_close()
    assert staff.session[STAFF_UNTIL_KEY] <= time.time() + settings.STAFF_SESSION_SECONDS


def test_an_admin_signed_in_by_the_provider_still_owes_the_second_factor(
    provider, tree, make_user, settings
):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    admin = make_user(role=Role.ADMIN, username="qtv", is_staff=True, is_superuser=True)
    OfficialFactory(user=admin, staff_code="BN-001")
    client = Client()
    sign_in(client, provider, {"staff_code": "BN-001"}, next_url="/account/")
    assert logged_in_as(client) == admin
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


def test_a_password_login_never_reaches_the_provider(provider, official, requests_mock):
    official.user = User.objects.create(username="BN-042")
    official.user.set_password("demo12345")
    official.user.save()
    official.save()
    request = RequestFactory().post("/accounts/login/?code=stolen&state=x")
    request.session = Client().session
    assert authenticate(request, username="BN-042", password="demo12345") == official.user
    assert not requests_mock.called


def test_the_login_page_shows_the_provider_button_only_when_configured(settings, official):
    response = Client().get(reverse("login"))
    assert reverse("sso:start") not in response.content.decode()
    assert Client().get(reverse("sso:start")).status_code == 404
    assert Client().get(reverse("sso:callback")).status_code == 404
    for name, value in StubProvider().settings().items():
        setattr(settings, name, value)
    with translation.override("vi"):
        page = Client().get(reverse("login") + "?next=/learn/", HTTP_ACCEPT_LANGUAGE="vi")
    html = page.content.decode()
    assert "Đăng nhập bằng VNeID Bắc Ninh" in html
    assert f'href="{reverse("sso:start")}?next=/learn/"' in html.replace("%2F", "/")


def test_the_start_page_asks_for_code_flow_with_state_nonce_and_pkce(provider, db):
    client = Client()
    query = sso_flow.start(client)
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == "http://testserver" + reverse("sso:callback")
    assert {"state", "nonce", "code_challenge"} <= set(query)
    assert "openid" in query["scope"].split()


def _fresh_base_settings(monkeypatch, **env):
    """lms/settings/base.py read afresh with this environment (not the loaded settings)."""
    import importlib.util
    import os

    from lms.settings import base

    for name in [n for n in os.environ if n.startswith("OIDC_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("lms_settings_fresh", base.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_settings_are_off_by_default_and_complete_when_on(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    off = _fresh_base_settings(monkeypatch)
    assert off.OIDC_ENABLED is False
    assert "lms.users.oidc.OfficialOIDCBackend" not in off.AUTHENTICATION_BACKENDS
    with pytest.raises(ImproperlyConfigured, match="OIDC_OP_TOKEN_ENDPOINT"):
        _fresh_base_settings(monkeypatch, OIDC_RP_CLIENT_ID="lms")
    on = _fresh_base_settings(
        monkeypatch,
        OIDC_RP_CLIENT_ID="lms",
        OIDC_RP_CLIENT_SECRET="s",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://sso.example.test/auth",
        OIDC_OP_TOKEN_ENDPOINT="https://sso.example.test/token",
        OIDC_OP_USER_ENDPOINT="https://sso.example.test/userinfo",
        OIDC_OP_JWKS_ENDPOINT="https://sso.example.test/certs",
        OIDC_STAFF_CODE_CLAIM="employee_number",
    )
    assert on.OIDC_ENABLED is True
    assert on.AUTHENTICATION_BACKENDS[-1] == "lms.users.oidc.OfficialOIDCBackend"
    assert on.OIDC_STAFF_CODE_CLAIM == "employee_number"
