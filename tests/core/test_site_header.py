"""The site header from {% site_header %} (parts kept per process, filled per request) is the
header the template renders directly, for each user, language and menu, and never another
user's."""

import re

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from lms.core import skeleton
from lms.core.models import Role
from lms.core.templatetags import chrome

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def header(html: str) -> str:
    return TOKEN.sub(
        "TOKEN", html.split('<header class="site-header">', 1)[1].split("</header>")[0]
    )


def direct(request) -> str:
    """The header as the template renders it without the tag."""
    with open(engines["django"].engine.find_template(chrome.TEMPLATE)[0].origin.name) as f:
        source = f.read()
    return (
        engines["django"]
        .from_string(source)
        .render({"header_next": request.get_full_path()}, request)
    )


def page(request) -> str:
    return engines["django"].from_string("{% load chrome %}{% site_header %}").render({}, request)


@pytest.fixture
def people(make_user, tree):
    learner = make_user(agency=tree["commune_a1"], full_name='Nguyễn <b>Văn</b> "A"')
    trainer = make_user(role=Role.TRAINER, agency=tree["province_a"], full_name="Trần Thị B")
    return {"learner": learner, "trainer": trainer}


def request_for(user, path="/quizzes/kiem-tra/?x=1&y=<2>"):
    request = RequestFactory().get(path)
    request.user = user
    request.session = {}
    return request


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_kept_header_is_the_rendered_header(people, language):
    from django.contrib.auth.models import AnonymousUser

    skeleton._kept.clear()
    with translation.override(language):
        for user in (people["learner"], people["trainer"], AnonymousUser(), people["learner"]):
            request = request_for(user)
            assert header(page(request)) == header(direct(request))
    # one entry per language and menu: the learner's second page used the parts kept
    assert len(skeleton._kept) == 3


def test_each_user_gets_their_own_name_path_and_token(people):
    skeleton._kept.clear()
    first = request_for(people["learner"], "/a/?q=1&r=2")
    html = page(first)
    assert "Nguyễn &lt;b&gt;Văn&lt;/b&gt; &quot;A&quot;" in html  # escaped
    assert 'value="/a/?q=1&amp;r=2"' in html
    assert "lmsslot" not in html
    assert 'name="csrfmiddlewaretoken"' in html and first.META["CSRF_COOKIE"]
    second = page(request_for(people["trainer"], "/b/"))
    assert "Trần Thị B" in second and "Nguyễn" not in second
    assert 'value="/b/"' in second
    # the trainer's menu has the marking queue, the learner's has not
    marking = 'href="/quizzes/marking/"'
    assert marking in second and marking not in html


def test_tokens_are_accepted_by_the_csrf_check(client, people):
    """A form in the header posts with the token the kept header carries."""
    client.force_login(people["learner"])
    html = client.get("/quizzes/").content.decode()
    token = re.search(
        r'action="/i18n/setlang/"[^>]*>\s*<input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        html,
    )
    assert token, "the language switch has its token"
    client.handler.enforce_csrf_checks = True
    answer = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/quizzes/", "csrfmiddlewaretoken": token.group(1)},
    )
    assert answer.status_code == 302 and answer["Location"] == "/quizzes/"
