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
