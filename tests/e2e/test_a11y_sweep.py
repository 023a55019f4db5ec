"""Accessibility sweep (issue "Platform foundation"): every page of ours, as every demo role.

For each demo role (and an anonymous visitor) the sweep opens every page that role may open and
runs axe-core on it at 1280 px (no "serious" or "critical" violations), then opens it again at
360 px and checks the page itself does not scroll sideways (wide tables scroll inside their own
focusable ``.table-wrap`` region instead). Ids and URLs come from the server's demo database.
One logged-in browser context per role and width is reused by every page of that role.

Only GET requests are made; the lesson page is opened by users already enrolled in its course
(or by editors), so the sweep leaves the demo data as it found it.
"""

from __future__ import annotations

import json

import pytest

from .conftest import check_a11y, login, manage_shell

ANON = "anonymous"
ROLES = ["learner", "trainer", "secretary", "steering", "editor", "admin"]
EVERYONE = {ANON, *ROLES}
LOGGED_IN = set(ROLES)
OFFICIALS = {"trainer", "secretary", "steering"}  # demo staff with a post in the agency tree

# (page name, path with {placeholders} from the demo database, roles that may open it, status)
PAGES: list[tuple[str, str, set[str], int]] = [
    # Foundation
    ("home", "/", EVERYONE, 200),
    ("login", "/accounts/login/", {ANON}, 200),
    ("password-reset", "/accounts/password-reset/", {ANON}, 200),
    ("password-reset-sent", "/accounts/password-reset/sent/", {ANON}, 200),
    ("password-reset-done", "/accounts/reset/done/", {ANON}, 200),
    ("activate-refused", "/accounts/activate/MQ/used-or-forged/", {ANON}, 200),
    ("activate-code", "/accounts/activate-code/", {ANON}, 200),
    ("activated", "/accounts/activated/", {ANON}, 200),
    ("account", "/account/", LOGGED_IN, 200),
    ("password-change", "/accounts/password-change/", LOGGED_IN, 200),
    ("password-change-done", "/accounts/password-change/done/", {"learner"}, 200),
    ("agency-request", "/account/agency-request/?q=X%C3%A3", {"learner", "secretary"}, 200),
    ("otp-setup", "/account/two-factor/", {"secretary", "steering", "admin"}, 200),
    # Courses
    ("course-index", "/khoa-hoc/", EVERYONE, 200),
    ("course-page", "{course}", EVERYONE, 200),
    ("lesson-page", "{lesson}", {"learner", "editor", "admin"}, 200),
    ("my-learning", "/learn/", LOGGED_IN, 200),
    ("catalogue", "/learn/catalogue/", LOGGED_IN, 200),
    ("search", "/learn/search/?q=danh+gia", LOGGED_IN, 200),
    ("assign", "/learn/assign/", OFFICIALS | {"admin"}, 200),
    # Quizzes
    ("quiz-list", "/quizzes/", LOGGED_IN, 200),
    ("quiz-detail", "/quizzes/{quiz}/", LOGGED_IN, 200),
    ("my-results", "/quizzes/my-results/", LOGGED_IN, 200),
    ("sitting-result", "/quizzes/sittings/{sitting}/result/", {"learner", "admin"}, 200),
    ("marking-queue", "/quizzes/marking/", {"trainer", "admin"}, 200),
    ("mark-form", "/quizzes/responses/{response}/mark/", {"trainer", "admin"}, 200),
    (
        "item-analysis",
        "/quizzes/{quiz}/analysis/",
        {"trainer", "secretary", "editor", "admin"},
        200,
    ),
    # Training sessions
    ("session-list", "/sessions/", LOGGED_IN, 200),
    ("session-detail", "/sessions/{session}/", LOGGED_IN - {"editor"}, 200),
    ("closed-session-detail", "/sessions/{closed}/", OFFICIALS | {"admin"}, 200),
    # The session form lists every agency of the country (a page of ~450 kB that axe needs
    # minutes for): once, as the trainer; editing uses the same template.
    ("session-create", "/sessions/new/", {"trainer"}, 200),
    ("roster-upload", "/sessions/{session}/roster/", {"trainer", "admin"}, 200),
    ("secretary-register", "/sessions/{session}/secretary-register/", {"secretary", "admin"}, 200),
    ("session-close", "/sessions/{session}/close/", {"trainer", "admin"}, 200),
    ("report", "/sessions/{closed}/report/", {"trainer", "steering", "admin"}, 200),
    ("attendance", "/sessions/{session}/days/{day}/attendance/", {"trainer", "admin"}, 200),
    (
        "checkin-display",
        "/sessions/{session}/days/{day}/checkin/display/",
        {"trainer", "admin"},
        200,
    ),
    # The learner is registered and the day has come (the sweep holds it today): the check-in page.
    ("checkin", "{checkin}", {"learner"}, 200),
    ("checkin-refused", "/sessions/{session}/days/{day}/checkin/0.BAD/", {ANON}, 400),
    ("card-scan", "/sessions/{session}/days/{day}/scan/", {"trainer", "admin"}, 200),
    (
        "sheet-upload",
        "/sessions/{session}/days/{day}/sign-in-sheet/upload/",
        {"trainer", "admin"},
        200,
    ),
    ("walkin-add", "/sessions/{session}/days/{day}/walk-ins/add/", {"trainer", "admin"}, 200),
    # Agencies
    ("agency-list", "/agencies/", OFFICIALS | {"admin"}, 200),
    ("agency-detail", "/agencies/{agency}/", OFFICIALS | {"admin"}, 200),
    ("import-officials", "/agencies/import/", {"secretary", "admin"}, 200),
    ("change-requests", "/agencies/change-requests/", {"secretary", "admin"}, 200),
    # People and roles
    ("people-list", "/people/", {"admin"}, 200),
    ("person-detail", "/people/{person}/", {"admin"}, 200),
]

CASES = [
    pytest.param(role, name, path, status, id=f"{role}-{name}")
    for name, path, roles, status in PAGES
    for role in [ANON, *ROLES]
    if role in roles
]

TARGETS_CODE = """
import json
from django.utils import timezone
from lms.agencies.selectors import current_assignment, official_for_user
from lms.courses.models import Enrolment, LessonPage
from lms.quizzes.models import Response, Sitting
from lms.training.models import SessionStatus, TrainingSession
from lms.users.models import User

learner = User.objects.get(username="learner")
official = official_for_user(learner)
course = Enrolment.objects.filter(official=official).order_by("pk").first().course.specific
lesson = LessonPage.objects.live().descendant_of(course).order_by("path").first()
sitting = (
    Sitting.objects.filter(official=official, state="finished").order_by("pk").first()
    # The demo's module quizzes hold trainer-marked tasks: a submitted attempt may await marking.
    or Sitting.objects.filter(official=official, state="needs_marking").order_by("pk").first()
)
response = (
    Response.objects.filter(sitting__state="needs_marking").order_by("marked_at", "pk").first()
    or Response.objects.exclude(text_answer="").order_by("pk").first()
)
session = (
    TrainingSession.objects.filter(status=SessionStatus.OPEN, registrations__official=official)
    .order_by("pk")
    .first()
)
closed = TrainingSession.objects.filter(status=SessionStatus.CLOSED).order_by("pk").first()
# The projector shows a code only for a day that has come: hold the sweep's day today.
first_day = session.days.order_by("date", "pk").first()
if first_day.date > timezone.localdate():
    first_day.date = timezone.localdate()
    first_day.save(update_fields=["date"])
print(json.dumps({
    "course": course.url,
    "lesson": lesson.url,
    "quiz": sitting.quiz.slug,
    "sitting": sitting.pk,
    "response": response.pk,
    "session": session.pk,
    "day": session.days.order_by("date", "pk").first().pk,
    "closed": closed.pk,
    "agency": current_assignment(official).agency_id,
    "person": official.pk,
}))
"""


@pytest.fixture(scope="module")
def targets(server_env, live_url):
    return json.loads(manage_shell(server_env, TARGETS_CODE))


class RolePages:
    """One browser context per (role, width), logged in once; pages are reused."""

    def __init__(self, browser, live_url):
        self.browser = browser
        self.live_url = live_url
        self.contexts: dict = {}
        self.pages: dict = {}

    def get(self, role: str, width: int = 1280):
        key = (role, width)
        if key not in self.pages:
            state = None
            if role != ANON and width != 1280:
                state = self.get(role).context.storage_state()
            ctx = self.browser.new_context(
                base_url=self.live_url,
                locale="vi-VN",
                viewport={"width": width, "height": 900 if width >= 1000 else 740},
                storage_state=state,
            )
            ctx.set_default_timeout(15_000)
            page = ctx.new_page()
            if role != ANON and state is None:
                login(page, role)
            self.contexts[key] = ctx
            self.pages[key] = page
        return self.pages[key]

    def close(self):
        for ctx in self.contexts.values():
            ctx.close()


@pytest.fixture(scope="module")
def role_pages(browser, live_url):
    pages = RolePages(browser, live_url)
    yield pages
    pages.close()


def _url(path: str, targets: dict, role_pages: RolePages) -> str:
    if path == "{checkin}":
        # The URL of the QR code, as the projector shows it now (the code lives one minute).
        trainer = role_pages.get("trainer")
        trainer.goto("/sessions/{session}/days/{day}/checkin/display/".format(**targets))
        return trainer.locator("#att-qr .att-qr-url a").get_attribute("href")
    return path.format(**targets)


def _open(page, url: str, status: int, label: str):
    response = page.goto(url)
    assert response is not None and response.status == status, (
        f"{label}: {url} answered {response.status if response else None}, expected {status}"
    )
    assert "/accounts/login/" not in page.url or url.startswith("/accounts/login/"), (
        f"{label}: {url} sent the user to the login page"
    )


@pytest.mark.parametrize(("role", "name", "path", "status"), CASES)
def test_page_has_no_serious_axe_violations_at_desktop_width(
    role_pages, targets, role, name, path, status
):
    page = role_pages.get(role)
    url = _url(path, targets, role_pages)
    _open(page, url, status, f"{name} as {role}")
    check_a11y(page, context=f"{name} as {role} ({url}) at 1280px")


@pytest.mark.parametrize(("role", "name", "path", "status"), CASES)
def test_page_does_not_scroll_sideways_at_phone_width(
    role_pages, targets, role, name, path, status
):
    page = role_pages.get(role, 360)
    url = _url(path, targets, role_pages)
    _open(page, url, status, f"{name} as {role}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        culprits = page.evaluate(
            """() => {
                const limit = document.documentElement.clientWidth;
                const out = [];
                for (const el of document.querySelectorAll('body *')) {
                    const r = el.getBoundingClientRect();
                    if (r.right > limit + 1 && r.width > 0) {
                        let inside = false;
                        for (let p = el.parentElement; p; p = p.parentElement) {
                            const s = getComputedStyle(p).overflowX;
                            if (['auto', 'scroll', 'hidden'].includes(s)) {
                                inside = true;
                                break;
                            }
                        }
                        if (!inside) out.push(el.tagName.toLowerCase() +
                            (el.id ? '#' + el.id : '') +
                            (el.className && typeof el.className === 'string'
                                ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                            ' right=' + Math.round(r.right));
                    }
                    if (out.length >= 8) break;
                }
                return out;
            }"""
        )
        pytest.fail(
            f"{name} as {role} ({url}) scrolls sideways by {overflow}px at 360px: {culprits}"
        )
    # Every region that scrolls sideways on its own must be reachable by keyboard.
    unreachable = page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')]
            .filter(el => el.scrollWidth > el.clientWidth && el.tabIndex < 0)
            .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert not unreachable, f"{name} as {role}: wide .table-wrap not focusable: {unreachable}"
