"""Lesson pages served to their enrolled learners from the cache, and the home page to visitors.

A lesson page is the same for every learner but for four parts: the CSRF token, the name in the
header, the "mark as done" block and the sidebar (progress bar and the outline's ✓ marks). The
slow path (Wagtail's routing, then ``LessonPage.serve``) renders the page whole and remembers the
lesson's URL (``remember_route``). ``LessonPageMiddleware`` then answers later GETs of that URL by
an enrolled learner from a *skeleton*: the page rendered once with markers where those parts go,
split at the markers and kept in the cache per lesson, language and menu (the menu follows the
user's roles). A request then costs the session and the user with its roles (both cached, see
lms/core/auth.py), the route and the skeleton from this process's memo, one SQL query (the
learner's enrolment with the lessons done and the results on the module quizzes, sent without
Django's connection health check before it: see ``_read``), and the sidebar put together from
parts rendered once per course and lesson (lms/courses/outline.py: learners' marks vary without
end, the parts do not). It writes nothing: opening another lesson than the one last seen queues
the visit, which this process writes with others a moment later (lms/courses/seen.py).

Anything else takes the slow path, which is always right: editors (who get Wagtail's user bar),
learners not enrolled yet (opening a lesson of an open course enrols them), pending messages,
query strings, HTMX requests, previews, lessons under a view restriction, and any miss. Every key
carries the pages' generation and the code's release (see ``cachekeys``), so a publication shows
at once in every process.

A visitor without a session (and without pending messages) gets the home page and the plain
content pages (``ANONYMOUS_PAGE_TYPES``) as the slow path last rendered them for nobody in
particular, per URL, language and generation, with a fresh CSRF token in the language switch:
one query (the generation) instead of Wagtail's routing and the templates.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth.middleware import get_user as request_user
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from wagtail.models import Page

from lms.core import sessions
from lms.core.access import can
from lms.core.context_processors import nav_flags
from lms.core.csrf import get_token
from lms.core.skeleton import Markers, StandIn

from . import cachekeys, learners, selectors
from .memo import memo
from .models import Enrolment, LessonPage, LessonProgress
from .outline import lesson_outline
from .services import lesson_mark_seen

logger = logging.getLogger(__name__)

PAGE_CACHE_SECONDS = 3600
# The learner's parts of the page, in the order the skeleton may hold them.
SLOTS = ("csrf", "user", "lesson_done", "outline")


@dataclass(frozen=True)
class Skeleton:
    """A rendered page split at its slots: literal UTF-8 at even indexes, slot names at odd."""

    page: tuple
    # The "mark as done" block in its three states: to do, done, done with the course complete.
    lesson_done: dict[str, tuple]


@dataclass(frozen=True)
class Learner:
    """One enrolled learner's state in one course, as the fast path reads it."""

    stamp: str  # the pages' generation and release when it was read
    enrolment_id: int
    official_id: int
    completed: bool
    seen_recently: bool
    done: frozenset[int]
    # Module quiz id -> the result that counts (see selectors.quiz_marks).
    marks: dict


class _CourseRef:
    """What the permission rules read of a course (``pk``, ``open_enrolment``)."""

    def __init__(self, pk: int, open_enrolment: bool):
        self.pk = pk
        self.open_enrolment = open_enrolment


_memo = memo


def _shared_or_memo(key: str):
    """An entry from this process's memo, else from the shared cache (then memoised)."""
    value = _memo.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            _memo.put(key, value)
    return value


def remember_route(request, *, lesson: LessonPage, course, stamp: str) -> None:
    """Called by the slow path after serving ``lesson``: let later GETs of this URL take the fast
    path, unless the page is under a view restriction (Wagtail checks those on the slow path)."""
    if (
        request.method != "GET"
        or request.META.get("QUERY_STRING")
        or getattr(request, "is_preview", False)
    ):
        return
    key = cachekeys.route_key(request.get_host(), request.path)
    known = _memo.get(key) or cache.get(key)
    if known is None or known["stamp"] != stamp:
        if lesson.get_view_restrictions().exists():
            return
        outline = selectors.cached_course_outline(course, stamp)
        known = {
            "stamp": stamp,
            "lesson_id": lesson.pk,
            "course_id": course.pk,
            "open_enrolment": bool(course.open_enrolment),
            # The module quizzes whose results the outline shows (a quiz change renews the stamp).
            "quizzes": tuple(selectors.module_quiz_ids(outline)),
        }
        cache.set(key, known, PAGE_CACHE_SECONDS)
    _memo.put(key, known)


@functools.cache
def _learner_sql(quizzes: int = 0) -> str:
    """The pages' generation and the learner's enrolment in a course, one row per lesson done (or
    one row with none); no row if not enrolled. With ``quizzes`` module quizzes, one more row per
    finished attempt at them (the outline shows the result that counts), in the same query.

    Plain SQL written once (per number of module quizzes): on every fast-path request the ORM
    would spend several times longer compiling this query than the database takes to answer it.
    Whether the lesson was the last one seen a moment ago is worked out in SQL too (see
    ``LessonPage.seen_recently``).
    """
    from lms.agencies.models import Official
    from lms.quizzes.models import Quiz, Sitting

    qn = connection.ops.quote_name
    enrolment = qn(Enrolment._meta.db_table)
    progress = qn(LessonProgress._meta.db_table)
    official = qn(Official._meta.db_table)
    head = (
        f"SELECT {cachekeys.generation_sql()}, e.{qn('id')}, e.{qn('official_id')}, "
        f"CASE WHEN e.{qn('completed_at')} IS NULL THEN 0 ELSE 1 END, "
        f"CASE WHEN e.{qn('last_lesson_id')} = %s AND e.{qn('last_seen_at')} >= %s "
        f"THEN 1 ELSE 0 END, "
    )
    learner = f"FROM {enrolment} e INNER JOIN {official} o ON o.{qn('id')} = e.{qn('official_id')} "
    where = f"WHERE o.{qn('user_id')} = %s AND e.{qn('course_id')} = %s"
    sql = (
        f"{head}p.{qn('lesson_id')}, NULL, NULL, NULL, NULL, NULL {learner}"
        f"LEFT JOIN {progress} p ON p.{qn('official_id')} = e.{qn('official_id')} "
        f"AND p.{qn('course_id')} = e.{qn('course_id')} AND p.{qn('completed_at')} IS NOT NULL "
        f"{where}"
    )
    if quizzes:
        sitting, quiz = qn(Sitting._meta.db_table), qn(Quiz._meta.db_table)
        sql += (
            f" UNION ALL {head}NULL, s.{qn('quiz_id')}, q.{qn('grading')}, s.{qn('attempt')}, "
            f"s.{qn('percent')}, s.{qn('passed')} {learner}"
            f"INNER JOIN {sitting} s ON s.{qn('official_id')} = e.{qn('official_id')} "
            f"AND s.{qn('state')} = %s "
            f"AND s.{qn('quiz_id')} IN ({', '.join(['%s'] * quizzes)}) "
            f"INNER JOIN {quiz} q ON q.{qn('id')} = s.{qn('quiz_id')} {where}"
        )
    return sql


def _fetch(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _read(sql: str, params: list) -> list:
    """Run the fast path's one query on this thread's connection without Django's health check
    first (CONN_HEALTH_CHECKS: a ``SELECT 1`` round trip on the first query of every request,
    as long again as the query itself on PostgreSQL). The query is the check: if the connection
    turns out dead (the database restarted), it is closed and the read runs once more on a new
    one, which is what the health check would have done. A read, so running it twice is safe."""
    if (
        connection.connection is None
        or not connection.health_check_enabled
        or connection.health_check_done
        or connection.in_atomic_block
    ):
        return _fetch(sql, params)
    connection.health_check_done = True
    try:
        return _fetch(sql, params)
    except (InterfaceError, OperationalError):
        logger.info("fast path: database connection lost; reconnecting")
        with contextlib.suppress(DatabaseError):
            connection.close()
        return _fetch(sql, params)


def enrolled_learner(
    *, user_id: int, course_id: int, lesson_id: int, quizzes: tuple = ()
) -> Learner | None:
    """The user's enrolment in the course with the lessons done and the results on the module
    ``quizzes``, or None if not enrolled."""
    from lms.quizzes.models import SittingState

    seen_since = timezone.now() - LessonPage.SEEN_RESOLUTION
    learner_params = [
        lesson_id,
        connection.ops.adapt_datetimefield_value(seen_since),
        user_id,
        course_id,
    ]
    params = list(learner_params)
    if quizzes:
        params += learner_params[:2] + [SittingState.FINISHED, *quizzes] + learner_params[2:]
    rows = _read(_learner_sql(len(quizzes)), params)
    if not rows:
        return None
    generation, enrolment_id, official_id, completed, seen = rows[0][:5]
    return Learner(
        stamp=cachekeys.stamp_of(generation),
        enrolment_id=enrolment_id,
        official_id=official_id,
        completed=bool(completed),
        seen_recently=bool(seen),
        done=frozenset(row[5] for row in rows if row[5] is not None),
        marks=selectors.quiz_marks(row[6:] for row in rows if row[6] is not None),
    )


def _split(html: str, markers: Markers) -> tuple:
    """Literal parts as UTF-8 bytes (the response needs no encoding), slot names as text."""
    return tuple(part if i % 2 else part.encode() for i, part in enumerate(markers.split(html)))


def build_skeleton(request, *, route: dict, stamp: str) -> Skeleton | None:
    """Render the lesson page with markers in the learner's parts and split it (on a miss)."""
    lesson = (
        LessonPage.objects.live().defer("body", "search_text").filter(pk=route["lesson_id"]).first()
    )
    course = selectors.course_at(selectors.course_path_of(lesson.path)) if lesson else None
    if course is None:
        return None
    slot = Markers()
    outline = selectors.cached_course_outline(course, stamp)
    context = Page.get_context(lesson, request)
    context.update(
        selectors.lesson_shared_context(
            lesson=lesson, course=course, outline=outline, request=request, stamp=stamp
        )
    )
    personal = {
        "csrf_token": slot("csrf"),
        "user": StandIn(slot("user")),
        "messages": (),
        "lesson_done_html": slot("lesson_done"),
        "outline_html": slot("outline"),
    }
    html = render_to_string(lesson.get_template(request), context | personal, request)
    page = _split(html, slot)
    lesson_done = {}
    for state, is_done, completed in (
        ("todo", False, False),
        ("done", True, False),
        ("completed", True, True),
    ):
        html = render_to_string(
            "courses/_lesson_done.html",
            {
                "page": lesson,
                "is_done": is_done,
                "course_completed": completed,
                "csrf_token": slot("csrf"),
            },
            request,
        )
        lesson_done[state] = _split(html, slot)
    names = set(page[1::2])
    if not {"lesson_done", "outline"} <= names <= set(SLOTS):
        # The template no longer has the slots this module fills: serve it the slow way.
        logger.warning("lesson %s: skeleton slots %s, expected %s", lesson.pk, names, SLOTS)
        return None
    return Skeleton(page=page, lesson_done=lesson_done)


def _fill(parts: tuple, values: dict[str, bytes]) -> bytes:
    out = list(parts)
    for i in range(1, len(out), 2):
        out[i] = values[out[i]]
    return b"".join(out)


def _messages_pending(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _learner_keys(request, route: dict) -> list[str]:
    """The cache keys of the learner's state, if this process knows whose session this is."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    user_id = sessions.owners.get(session_key) if session_key else None
    official_id = learners.officials.get(int(user_id)) if user_id else None
    if official_id is None:
        return []
    return learners.keys_for(
        user_id=int(user_id), course_id=route["course_id"], official_id=official_id
    )


def current_learner(*, user_id: int, route: dict, along: dict | None) -> Learner | None:
    """The learner's state in the route's course: from the cache when an entry written under
    the learner's current version is there (no SQL), else from the database (then kept)."""
    course_id, quizzes = route["course_id"], tuple(route.get("quizzes", ()))
    generation, version, entry = learners.read(user_id=user_id, course_id=course_id, found=along)
    if generation is not None and learners.valid(
        entry, version=version, generation=generation, quizzes=quizzes
    ):
        return replace(entry.learner, stamp=cachekeys.stamp_of(generation))
    read_for = learners.officials.get(user_id)
    learner = enrolled_learner(
        user_id=user_id, course_id=course_id, lesson_id=route["lesson_id"], quizzes=quizzes
    )
    if learner is not None:
        learners.remember(
            user_id=user_id,
            course_id=course_id,
            learner=learner,
            read_for=read_for,
            version=version,
            generation=learner.stamp.rsplit(".", 1)[0],
            generation_cached=generation is not None,
            quizzes=quizzes,
        )
    return learner


def serve_lesson(request) -> HttpResponse | None:
    """The lesson page from the cache, or None when the slow path must answer."""
    route = _shared_or_memo(cachekeys.route_key(request.get_host(), request.path))
    if route is None:
        return None
    keys = getattr(request, "_lms_learner_keys", None)
    if keys is None:  # not named before the session was read (LearnerKeysMiddleware)
        keys = []
    # The user itself rather than request.user's lazy wrapper, whose every attribute read goes
    # through a proxy (the wrapper memoises the same object on the request).
    user = request_user(request)
    if not user.is_authenticated:
        return None
    nav = nav_flags(user)
    if nav["is_editor"] or _messages_pending(request):
        return None
    learner = current_learner(
        user_id=user.pk, route=route, along=sessions.found_along(keys) if keys else None
    )
    if learner is None or learner.stamp != route["stamp"]:
        return None  # not enrolled yet, or the pages changed since: the slow path knows
    stamp = route["stamp"]
    state = selectors.LessonState(
        lesson=None,
        course=_CourseRef(route["course_id"], route["open_enrolment"]),
        official=learner.official_id,
        enrolment=learner.enrolment_id,
    )
    if not can(user, "courses.read_lesson", state):
        return None
    if learner.seen_recently:
        learners.visited(learner.enrolment_id, route["lesson_id"])
    elif not learners.seen_here(
        learner.enrolment_id, route["lesson_id"], LessonPage.SEEN_RESOLUTION.total_seconds()
    ):
        lesson_mark_seen(
            official_id=learner.official_id,
            lesson_id=route["lesson_id"],
            course_id=route["course_id"],
            enrolment_id=learner.enrolment_id,
        )
        learners.visited(learner.enrolment_id, route["lesson_id"])
    language = translation.get_language() or settings.LANGUAGE_CODE
    skeleton_key = cachekeys.skeleton_key(
        # Every flag the menu reads (lms.core.context_processors.nav_flags): a provincial people
        # admin's menu is not a learner's.
        stamp,
        route["lesson_id"],
        language,
        tuple(nav[flag] for flag in sorted(nav)),
    )
    skeleton = _shared_or_memo(skeleton_key)
    if skeleton is None:
        skeleton = build_skeleton(request, route=route, stamp=stamp)
        if skeleton is None:
            return None
        cache.set(skeleton_key, skeleton, PAGE_CACHE_SECONDS)
        _memo.put(skeleton_key, skeleton)
    course_id = route["course_id"]

    def outline_of():
        course = selectors.course_at_pk(course_id)
        return selectors.cached_course_outline(course, stamp) if course else []

    outline_html = lesson_outline(
        outline_of,
        stamp=stamp,
        course_id=course_id,
        lesson_id=route["lesson_id"],
        done=learner.done,
        marks=learner.marks,
    )
    values = {
        "csrf": get_token(request).encode(),
        "user": escape(user.display_name).encode(),
        "outline": outline_html.encode(),
    }
    if route["lesson_id"] not in learner.done:
        done_state = "todo"
    else:
        done_state = "completed" if learner.completed else "done"
    values["lesson_done"] = _fill(skeleton.lesson_done[done_state], values)
    return HttpResponse(_fill(skeleton.page, values))


# Pages that show an anonymous visitor nothing but what was published (and the CSRF token of the
# language switch), so they can be kept whole per URL, language and generation.
ANONYMOUS_PAGE_TYPES = frozenset({"core.homepage", "core.standardpage"})
# Pending messages (the logout notice, ...) live in this cookie: such a visit renders afresh.
ANONYMOUS_SKIP_COOKIE = "messages"
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def anonymous_path_key(request) -> str:
    """Marks a URL that showed a page of ``ANONYMOUS_PAGE_TYPES``: only there does a visit read
    the generation (any other view pays nothing for this cache)."""
    return f"courses:anonymous-path:{request.get_host()}:{request.path}"


def anonymous_key(request, stamp: str) -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return f"courses:anonymous-page:{stamp}:{request.get_host()}:{request.path}:{language}"


def serve_anonymous(request, stamp: str) -> HttpResponse | None:
    """A visitor without a session: the published page from the cache, with a fresh CSRF token
    where the page has one (and the cookie that goes with it, set by the CSRF middleware)."""
    entry = _shared_or_memo(anonymous_key(request, stamp))
    if entry is None:
        return None
    parts, content_type = entry
    values = {"csrf": get_token(request).encode()} if len(parts) > 1 else {}
    response = HttpResponse(_fill(parts, values), content_type=content_type)
    patch_vary_headers(response, ("Cookie",))
    return response


def remember_anonymous(request, response, stamp: str | None) -> None:
    """After the slow path answered a visitor without a session: keep the page if it is one of
    ``ANONYMOUS_PAGE_TYPES`` rendered for nobody in particular (no cookie set, no session
    written), its CSRF token (if any) turned into a slot. Without ``stamp`` (the generation read
    before rendering) the URL is only marked, and the next visit keeps the page."""
    page = (getattr(response, "context_data", None) or {}).get("page")
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or getattr(request, "is_preview", False)
        or getattr(page, "_meta", None) is None
        or page._meta.label_lower not in ANONYMOUS_PAGE_TYPES
        or getattr(getattr(request, "session", None), "modified", False)
        or getattr(request, "user", None) is None
        or request.user.is_authenticated
    ):
        return
    if stamp is None:
        _memo.put(anonymous_path_key(request), True)
        return
    html = response.content.decode(response.charset)
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        tokens = set(TOKEN_FIELD.findall(html))
        if len(tokens) != 1:
            return  # a token the slot cannot be put in for: render it afresh each time
        markers = Markers()
        html = html.replace(tokens.pop(), markers("csrf"))
        parts = _split(html, markers)
    else:
        parts = (html.encode(),)
    entry = (parts, response["Content-Type"])
    key = anonymous_key(request, stamp)
    cache.set(key, entry, PAGE_CACHE_SECONDS)
    _memo.put(key, entry)


class LearnerKeysMiddleware:
    """Right after the session middleware, before anything reads the session (the OTP and
    authentication middleware do): on a GET of a lesson this process has served, name the
    learner's cache entries, so that they come in the session's own round trip."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "GET"
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and not request.META.get("QUERY_STRING")
        ):
            route = _memo.get(cachekeys.route_key(request.get_host(), request.path))
            keys = _learner_keys(request, route) if route else []
            if keys:
                sessions.read_along(keys)
            request._lms_learner_keys = keys
        return self.get_response(request)


class LessonPageMiddleware:
    """Put after the session, locale, CSRF, authentication, messages and clickjacking middleware,
    which run on its responses too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "GET"
            and not request.META.get("QUERY_STRING")
            and "HTTP_HX_REQUEST" not in request.META
        ):
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                response = serve_lesson(request)
                if response is not None:
                    return response
            elif ANONYMOUS_SKIP_COOKIE not in request.COOKIES:
                known = _memo.get(anonymous_path_key(request))
                stamp = cachekeys.cached_stamp() if known else None
                response = serve_anonymous(request, stamp) if known else None
                if response is None:
                    response = self.get_response(request)
                    remember_anonymous(request, response, stamp)
                return response
        return self.get_response(request)
