"""The home page for visitors without a session, from the cache (lms/courses/pagecache.py): the
page the slow path renders, with a CSRF token that works, per language, new at once after a
publication, and never for a signed-in user or a visit with messages pending."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from lms.core.models import HomePage
from tests.factories.courses import ensure_site

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


pytestmark = pytest.mark.usefixtures("fresh_memo")


@pytest.fixture
def home(db):
    page = ensure_site().root_page.specific
    assert isinstance(page, HomePage)
    return page


def test_visitors_get_the_rendered_home_page_from_the_cache(home, django_assert_max_num_queries):
    client = Client(enforce_csrf_checks=True)
    # The first visit marks the URL as a cacheable page, the second keeps it, then the cache.
    client.get("/")
    slow = client.get("/")
    assert slow.status_code == 200 and slow.templates
    with django_assert_max_num_queries(1):  # the pages' generation
        fast = client.get("/")
    assert fast.status_code == 200 and not fast.templates
    assert "Cookie" in fast["Vary"] and fast["Content-Type"] == slow["Content-Type"]
    [slow_token], [fast_token] = TOKEN.findall(slow.text), TOKEN.findall(fast.text)
    assert slow_token != fast_token
    assert TOKEN.sub("", slow.text) == TOKEN.sub("", fast.text)
    # The token in the cached page is this visitor's: the language switch accepts it.
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": fast_token}
    )
    assert response.status_code == 302
    # A first visit without a cookie gets one with the token the page carries.
    fresh = Client(enforce_csrf_checks=True)
    first = fresh.get("/")
    assert not first.templates and "csrftoken" in first.cookies
    response = fresh.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": TOKEN.findall(first.text)[0]},
    )
    assert response.status_code == 302


def test_a_publication_shows_at_once_and_each_language_has_its_page(client, home):
    client.get("/")
    client.get("/")
    assert not client.get("/").templates
    home.intro = "<p>Lời giới thiệu mới của trang chủ.</p>"
    home.save_revision().publish()
    response = client.get("/")
    assert "Lời giới thiệu mới" in response.text and response.templates
    assert "Lời giới thiệu mới" in client.get("/").text
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.get("/")
    response = english.get("/")
    assert not response.templates and 'lang="en"' in response.text
    assert 'lang="vi"' in client.get("/").text


def test_signed_in_users_and_pending_messages_take_the_slow_path(client, home, learner):
    client.get("/")
    client.get("/")
    assert not client.get("/").templates
    client.cookies["messages"] = "anything"
    assert client.get("/").templates
    del client.cookies["messages"]
    client.force_login(learner)
    response = client.get("/")
    assert response.templates and learner.display_name in response.text
    assert f'href="{reverse("login")}"' not in response.text


def test_other_views_pay_nothing_for_the_cache(client, home):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in ("/khong-co-trang-nay/", reverse("login")):
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            assert not [q for q in queries.captured_queries if "pagegeneration" in q["sql"]]
