"""Single sign-on end to end against a real (stub) OpenID Connect provider served over HTTP on a
loopback port: discovery, authorize, token, jwks and userinfo, RS256 id_tokens. The platform's
side talks to it with real HTTP requests (no mocking); the browser's hops are made with
``requests`` to the provider and Django's test client to the platform. CI's services run."""

from __future__ import annotations

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from lms.agencies.models import Official
from lms.users.models import User
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.services import services_only
from tests.users import sso_flow
from tests.users.oidc_stub import StubProviderServer

pytestmark = services_only


@pytest.fixture
def provider(settings):
    with StubProviderServer() as stub:
        # Configured from the provider's discovery document, as an operator would.
        found = requests.get(f"{stub.base}/.well-known/openid-configuration", timeout=5).json()
        for name, value in stub.settings(
            OIDC_OP_ISSUER=found["issuer"],
            OIDC_OP_AUTHORIZATION_ENDPOINT=found["authorization_endpoint"],
            OIDC_OP_TOKEN_ENDPOINT=found["token_endpoint"],
            OIDC_OP_USER_ENDPOINT=found["userinfo_endpoint"],
            OIDC_OP_JWKS_ENDPOINT=found["jwks_uri"],
            OIDC_TIMEOUT=5,
            LANGUAGE_CODE="en",
        ).items():
            setattr(settings, name, value)
        yield stub


def browse(client: Client, provider, person: dict, next_url: str | None = None):
    """The login page's button, the provider's sign-in page (over HTTP), back to the platform."""
    page = client.get(reverse("login"))
    assert reverse("sso:start") in page.content.decode()
    response = client.get(reverse("sso:start") + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    assert response["Location"].startswith(provider.base + "/authorize?")
    provider.person = person
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    return sso_flow.callback(client, at_provider.headers["Location"])


def test_an_official_signs_in_through_the_provider(provider, tree, db):
    official = OfficialFactory(staff_code="BN-042", email="son@bn.gov.vn")
    AssignmentFactory(official=official, agency=tree["commune_a1"])
    client = Client()
    response = browse(client, provider, {"sub": "u-1", "staff_code": "BN-042"}, "/learn/")
    assert response.status_code == 302 and response["Location"] == "/learn/"
    official.refresh_from_db()
    assert official.user is not None
    assert int(client.session[SESSION_KEY]) == official.user.pk
    assert client.get("/account/").status_code == 200
    # By verified email the next time, the same login.
    again = Client()
    browse(again, provider, {"sub": "u-1", "email": "SON@bn.gov.vn", "email_verified": True})
    assert int(again.session[SESSION_KEY]) == official.user.pk
    assert User.objects.count() == 1
    assert not provider.codes  # each code was exchanged once


def test_an_unknown_person_is_refused(provider, tree, db):
    OfficialFactory(staff_code="BN-042", email="son@bn.gov.vn")
    client = Client()
    response = browse(
        client,
        provider,
        {"sub": "u-2", "staff_code": "HN-1", "email": "x@example.org", "email_verified": True},
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
    page = client.get(reverse("login"))
    assert "No official on this platform matches your VNeID Bắc Ninh account" in (
        page.content.decode().replace("&#x27;", "'")
    )
    assert not User.objects.exists()
    assert Official.objects.count() == 1
