"""Driving the single sign-on flow with Django's test client (tests/users/test_sso*.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from django.urls import reverse


def start(client, next_url: str | None = None) -> dict:
    """The login page's button: returns the query the platform sent to the provider."""
    url = reverse("sso:start") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302, response
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def callback(client, location: str):
    """Follow the provider's redirect back to the platform (same host: the test server)."""
    parts = urlsplit(location)
    assert parts.path == reverse("sso:callback"), location
    return client.get(f"{parts.path}?{parts.query}")
