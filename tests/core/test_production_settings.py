"""What lms.settings.production reads from the environment about the proxy in front of it."""

import importlib
import sys

import pytest


def _production(monkeypatch, **env):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("lms.settings.production", None)
    try:
        return importlib.import_module("lms.settings.production")
    finally:
        sys.modules.pop("lms.settings.production", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("HTTP_X_FORWARDED_PROTO", "https")),
        ("X-Forwarded-Scheme", ("HTTP_X_FORWARDED_SCHEME", "https")),
        ("", None),
    ],
)
def test_proxy_ssl_header_comes_from_the_environment(monkeypatch, value, expected):
    env = {} if value is None else {"PROXY_SSL_HEADER": value}
    assert _production(monkeypatch, **env).SECURE_PROXY_SSL_HEADER == expected


def test_production_never_allows_the_demo(monkeypatch):
    assert _production(monkeypatch, LMS_ALLOW_DEMO="1").LMS_ALLOW_DEMO is False
