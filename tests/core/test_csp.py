"""Content-Security-Policy: sent on every page, satisfied by our templates, looser for the admin."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.THEME_DIR) / "templates"
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style\b", re.I), "<style> element"),
]


def test_no_template_needs_unsafe_inline():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert found == []


@pytest.mark.django_db
def test_pages_carry_the_policy(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"


@pytest.mark.django_db
def test_the_admin_gets_its_own_policy(client):
    policy = client.get("/admin/login/")["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy


def _django_csp_header(path: str, **response_attrs) -> str:
    """The header django-csp itself builds for a response to ``path``."""
    from csp.middleware import CSPMiddleware as Plain
    from django.http import HttpResponse
    from django.test import RequestFactory

    from lms.core.csp import CSPMiddleware

    class Reference(CSPMiddleware):
        process_response = Plain.process_response

    request = RequestFactory().get(path)
    response = HttpResponse("ok")
    for name, value in response_attrs.items():
        setattr(response, name, value)
    middleware = Reference(lambda r: response)
    middleware.process_request(request)
    return middleware.process_response(request, response)["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_policy_built_once_is_the_one_django_csp_builds(client, path):
    assert client.get(path)["Content-Security-Policy"] == _django_csp_header(path)


def test_a_response_that_changes_its_policy_still_gets_its_own(settings):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from lms.core.csp import CSPMiddleware

    request = RequestFactory().get("/accounts/login/")
    response = HttpResponse("ok")
    response._csp_update = {"img-src": ["https://example.org"]}
    middleware = CSPMiddleware(lambda r: response)
    middleware.process_request(request)
    header = middleware.process_response(request, response)["Content-Security-Policy"]
    assert "https://example.org" in header
    assert header == _django_csp_header(
        "/accounts/login/", _csp_update={"img-src": ["https://example.org"]}
    )
    # A changed setting is followed (the built policy is forgotten).
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "object-src": ["'self'"]}
    }
    plain = HttpResponse("ok")
    other = CSPMiddleware(lambda r: plain)
    request = RequestFactory().get("/accounts/login/")
    other.process_request(request)
    assert "object-src 'self'" in other.process_response(request, plain)["Content-Security-Policy"]
