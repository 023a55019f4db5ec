"""Every catalogue (the theme's and each app's) is complete in Vietnamese and English."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    [
        *ROOT.glob("lms/*/locale/*/LC_MESSAGES/django.po"),
        *ROOT.glob("themes/*/locale/*/LC_MESSAGES/django.po"),
    ]
)


def test_catalogues_exist_for_both_languages():
    languages = {path.parts[-3] for path in CATALOGUES}
    assert {"vi", "en"} <= languages


@pytest.mark.parametrize("path", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_catalogue_is_complete(path):
    with path.open("rb") as handle:
        catalog = read_po(handle)
    assert not catalog.fuzzy, f"{path}: the header is still marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_vietnamese_is_the_default(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()
    assert "Đăng nhập" in response.content.decode()


def test_english_switch(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert 'lang="en"' in response.content.decode()
    assert "Log in" in response.content.decode()
