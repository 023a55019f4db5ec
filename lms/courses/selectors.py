"""Reads for courses: outlines, a learner's progress, the catalogue and lesson search.

Every function here runs a fixed number of queries whatever the size of the course or list.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from lms.core.generation import Generation
from lms.core.text import fold

from . import cachekeys
from .models import CoursePage, Enrolment, LessonPage, LessonProgress, ModulePage
from .search import MAX_QUERY_CHARS, search_lessons  # noqa: F401 - the lesson search

STEPLEN = Page.steplen
BODY_CACHE_SECONDS = 24 * 3600
# Outline keys carry the pages' generation (cachekeys), renewed by every change a course shows;
# the expiry only bounds what a signal cannot see (a change made outside Django).
OUTLINE_CACHE_SECONDS = 600


def relative_url(url_path: str) -> str | None:
    """A page's URL from its url_path, using Wagtail's cached site roots (no query once warm)."""
    for root in Site.get_site_root_paths():
        if url_path.startswith(root.root_path):
            return url_path[len(root.root_path) - 1 :]
    return None


def quiz_url(slug: str | None) -> str | None:
    if not slug:
        return None
    try:
        return reverse("quizzes:quiz_detail", kwargs={"slug": slug})
    except NoReverseMatch:
        return None


def official_of(user):
    """The official behind a login, memoised on the user object (one query per request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_lms_official"):
        from lms.agencies.selectors import official_for_user

        user._lms_official = official_for_user(user)
    return user._lms_official


def course_path_of(lesson_path: str) -> str:
    return lesson_path[: -2 * STEPLEN]


def course_outline(course: CoursePage) -> list[dict]:
    """Live modules with their live lessons in order (two queries)."""
    modules = list(
        ModulePage.objects.live()
        .child_of(course)
        .order_by("path")
        .values("id", "title", "path", "url_path", "intro", "quiz_id", "quiz__slug", "quiz__title")
    )
    by_path = {m["path"]: m for m in modules}
    for module in modules:
        module["lessons"] = []
        module["quiz_url"] = quiz_url(module.pop("quiz__slug"))
        module["quiz_title"] = module.pop("quiz__title")
        if module["quiz_url"] is None:
            module["quiz_id"] = None
    lessons = (
        LessonPage.objects.live()
        .descendant_of(course)
        .order_by("path")
        .values("id", "title", "path", "url_path", "estimated_minutes")
    )
    for lesson in lessons:
        module = by_path.get(lesson["path"][:-STEPLEN])
        if module is None:
            continue  # its module is unpublished
        lesson["url"] = relative_url(lesson["url_path"])
        module["lessons"].append(lesson)
    return modules


# What lesson pages, rules and enrolment need of a course; other fields load if ever touched.
COURSE_FIELDS = (
    "id",
    "title",
    "slug",
    "path",
    "depth",
    "url_path",
    "live",
    "content_type",
    "locale",
    "open_enrolment",
    "completion",
    "final_quiz_id",
)


def course_at(course_path: str) -> CoursePage | None:
    """The course whose tree path is ``course_path`` (one query)."""
    return CoursePage.objects.filter(path=course_path).only(*COURSE_FIELDS).order_by().first()


def course_at_pk(course_id: int) -> CoursePage | None:
    return CoursePage.objects.filter(pk=course_id).only(*COURSE_FIELDS).first()


def cached_course_outline(course: CoursePage, stamp: str | None = None) -> list[dict]:
    """``course_outline`` from the cache, keyed by the pages' generation (see cachekeys).

    The caller gets its own copy (the cache hands out unpickled copies), so it may add the
    learner's marks to it.
    """
    key = cachekeys.outline_key(stamp or cachekeys.page_stamp(), course.pk)
    outline = cache.get(key)
    if outline is None:
        outline = course_outline(course)
        cache.set(key, outline, OUTLINE_CACHE_SECONDS)
    return outline


def flat_lessons(outline: list[dict]) -> list[dict]:
    return [lesson for module in outline for lesson in module["lessons"]]


def module_quiz_ids(outline: list[dict]) -> list[int]:
    return [module["quiz_id"] for module in outline if module["quiz_id"]]


def learning_path(outline: list[dict]) -> list[dict]:
    """Lessons in order, each module's quiz right after its lessons (the previous/next path)."""
    steps: list[dict] = []
    for module in outline:
        steps.extend(module["lessons"])
        if module["quiz_url"]:
            steps.append(
                {
                    "id": None,
                    "is_quiz": True,
                    "title": module["quiz_title"],
                    "url": module["quiz_url"],
                }
            )
    return steps


@dataclass(frozen=True)
class QuizMark:
    """A learner's result that counts on one quiz, as the outline shows it."""

    passed: bool
    percent: Decimal | None


def quiz_marks(rows) -> dict[int, QuizMark]:
    """Quiz id -> the finished attempt that counts, from (quiz id, grading, attempt, percent,
    passed) rows: the last attempt for "last" grading, else the best (as ``result_sitting``).
    The fast path (raw SQL) and the slow path (ORM) both end here, so they show the same."""
    from lms.quizzes.models import Grading

    best: dict[int, tuple] = {}
    for quiz_id, grading, attempt, percent, passed in rows:
        value = None if percent is None else Decimal(str(percent)).quantize(Decimal("0.01"))
        rank = (attempt,) if grading == Grading.LAST else (value is not None, value or 0, attempt)
        if quiz_id not in best or rank > best[quiz_id][0]:
            best[quiz_id] = (rank, QuizMark(passed=bool(passed), percent=value))
    return {quiz_id: mark for quiz_id, (_rank, mark) in best.items()}


def module_quiz_marks(*, official, outline: list[dict]) -> dict[int, QuizMark]:
    """The official's results on the outline's module quizzes (one query; none without quizzes)."""
    ids = module_quiz_ids(outline)
    if official is None or not ids:
        return {}
    from lms.quizzes.models import Sitting, SittingState

    rows = Sitting.objects.filter(
        official=official, quiz_id__in=ids, state=SittingState.FINISHED
    ).values_list("quiz_id", "quiz__grading", "attempt", "percent", "passed")
    return quiz_marks(rows)


def done_lesson_ids(*, official, course_ids) -> set[int]:
    if official is None:
        return set()
    return set(
        LessonProgress.objects.filter(
            official=official, course_id__in=list(course_ids), completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def course_page_context(*, course: CoursePage, user) -> dict:
    """What the course page shows: outline, and for a learner enrolment and progress."""
    outline = course_outline(course)
    lessons = flat_lessons(outline)
    official = official_of(user)
    enrolment = (
        Enrolment.objects.filter(official=official, course=course).first() if official else None
    )
    done = done_lesson_ids(official=official, course_ids=[course.pk]) if enrolment else set()
    for lesson in lessons:
        lesson["done"] = lesson["id"] in done
    marks = module_quiz_marks(official=official, outline=outline) if enrolment else {}
    for module in outline:
        module["mark"] = marks.get(module["quiz_id"])
    done_count = sum(1 for lesson in lessons if lesson["done"])
    next_lesson = next((lesson for lesson in lessons if not lesson["done"]), None)
    final_quiz_slug = None
    if course.final_quiz_id:
        from lms.quizzes.models import Quiz

        final_quiz_slug = (
            Quiz.objects.filter(pk=course.final_quiz_id).values_list("slug", flat=True).first()
        )
    return {
        "outline": outline,
        "lesson_count": len(lessons),
        "total_minutes": sum(lesson["estimated_minutes"] for lesson in lessons),
        "official": official,
        "enrolment": enrolment,
        "done_count": done_count,
        "progress": percent(done_count, len(lessons)),
        "next_lesson": next_lesson,
        "first_lesson": lessons[0] if lessons else None,
        "final_quiz_url": quiz_url(final_quiz_slug),
        "clause_list": [tag.name for tag in course.clauses.all()],
    }


@dataclass
class LessonState:
    """Who is reading which lesson of which course (built once per lesson request)."""

    lesson: LessonPage
    course: CoursePage | None
    official: object | None
    enrolment: Enrolment | None


def lesson_state(*, lesson: LessonPage, user) -> LessonState:
    """Course, official and enrolment: two queries once enrolled."""
    course = course_at(course_path_of(lesson.path))
    enrolment = None
    looked = False
    authenticated = getattr(user, "is_authenticated", False)
    if course is not None and authenticated and not hasattr(user, "_lms_official"):
        # The enrolment brings its official along; only a first visit needs a second query.
        enrolment = (
            Enrolment.objects.filter(official__user=user, course=course)
            .select_related("official")
            .first()
        )
        looked = True
        if enrolment is not None:
            user._lms_official = enrolment.official
    official = official_of(user)
    if official is not None and course is not None and not looked:
        enrolment = Enrolment.objects.filter(official=official, course=course).first()
    return LessonState(lesson=lesson, course=course, official=official, enrolment=enrolment)


def lesson_body_html(*, lesson: LessonPage, request=None, stamp: str | None = None) -> str:
    """The rendered lesson body, cached per published revision, language and page generation
    (images and documents it shows renew the generation too); a preview renders afresh."""
    if getattr(request, "is_preview", False):
        return render_to_string("courses/lesson_body.html", {"page": lesson})
    language = translation.get_language() or "vi"
    stamp = stamp or getattr(request, "_lms_page_stamp", None) or cachekeys.page_stamp()
    key = f"courses:lesson-body:{stamp}:{lesson.pk}:{lesson.live_revision_id}:{language}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("courses/lesson_body.html", {"page": lesson})
        cache.set(key, html, BODY_CACHE_SECONDS)
    return html


def lesson_shared_context(
    *, lesson: LessonPage, course: CoursePage | None, outline, request=None, stamp=None
) -> dict:
    """What a lesson page shows every learner alike: where it sits, its neighbours, its body
    (a preview's draft body is rendered afresh, never cached)."""
    steps = learning_path(outline)
    index = next((i for i, item in enumerate(steps) if item["id"] == lesson.pk), None)
    current_module = next(
        (m for m in outline if any(item["id"] == lesson.pk for item in m["lessons"])), None
    )
    return {
        "course": course,
        "course_url": relative_url(course.url_path) if course else None,
        "current_module": current_module,
        "previous_step": steps[index - 1] if index else None,
        "next_step": steps[index + 1] if index is not None and index + 1 < len(steps) else None,
        "body_html": lesson_body_html(lesson=lesson, request=request, stamp=stamp),
    }


def render_lesson_outline(*, outline, lesson_id: int, done, marks=None) -> str:
    """The sidebar: progress bar and outline with the learner's ✓ marks and quiz results."""
    lessons = flat_lessons(outline)
    for item in lessons:
        item["done"] = item["id"] in done
        item["current"] = item["id"] == lesson_id
    for module in outline:
        module["mark"] = (marks or {}).get(module["quiz_id"])
    done_count = sum(1 for item in lessons if item["done"])
    return render_to_string(
        "courses/_lesson_outline.html",
        {
            "outline": outline,
            "done_count": done_count,
            "lesson_count": len(lessons),
            "progress": percent(done_count, len(lessons)),
        },
    )


def lesson_outline_html(*, course, lesson_id: int, done, stamp: str, marks=None) -> str:
    """The sidebar as ``render_lesson_outline`` renders it, put together from parts rendered once
    (see lms/courses/outline.py): learners' marks vary without end, the parts do not."""
    from .outline import lesson_outline

    return lesson_outline(
        lambda: cached_course_outline(course, stamp),
        stamp=stamp,
        course_id=course.pk,
        lesson_id=lesson_id,
        done=done,
        marks=marks,
    )


def render_lesson_done(*, request, lesson, is_done: bool, completed: bool) -> str:
    """The "mark as done" form, or the done badge (and the course-completed message)."""
    return render_to_string(
        "courses/_lesson_done.html",
        {"page": lesson, "is_done": is_done, "course_completed": completed},
        request,
    )


def lesson_done_swap(*, request, state: LessonState, completed: bool) -> str:
    """After "mark as done" through htmx: the done badge in place of the form, and the sidebar
    (progress, ✓ marks) swapped out of band, so the page needs no reload."""
    course, official = state.course, state.official
    stamp = cachekeys.page_stamp()
    outline = cached_course_outline(course, stamp)
    done = done_lesson_ids(official=official, course_ids=[course.pk])
    marks = module_quiz_marks(official=official, outline=outline)
    return render_to_string(
        "courses/_lesson_done_swap.html",
        {
            "lesson_done_html": render_lesson_done(
                request=request, lesson=state.lesson, is_done=True, completed=completed
            ),
            "outline_html": mark_safe(  # noqa: S308 - rendered by our own template
                lesson_outline_html(
                    course=course, lesson_id=state.lesson.pk, done=done, stamp=stamp, marks=marks
                )
            ),
        },
    )


def lesson_page_context(*, lesson: LessonPage, request) -> dict:
    """The whole lesson page for ``request.user`` (see also pagecache, which serves the same page
    from the cache to enrolled learners)."""
    state = getattr(request, "_lms_lesson_state", None)
    if state is None or state.lesson.pk != lesson.pk:
        state = lesson_state(lesson=lesson, user=request.user)
    course = state.course
    stamp = getattr(request, "_lms_page_stamp", None) or cachekeys.page_stamp()
    outline = cached_course_outline(course, stamp) if course else []
    done = (
        done_lesson_ids(official=state.official, course_ids=[course.pk])
        if state.official and course
        else set()
    )
    context = lesson_shared_context(
        lesson=lesson, course=course, outline=outline, request=request, stamp=stamp
    )
    context["lesson_done_html"] = render_lesson_done(
        request=request,
        lesson=lesson,
        is_done=lesson.pk in done,
        completed=bool(state.enrolment and state.enrolment.completed_at),
    )
    marks = module_quiz_marks(official=state.official, outline=outline)
    context["outline_html"] = (
        lesson_outline_html(course=course, lesson_id=lesson.pk, done=done, stamp=stamp, marks=marks)
        if course
        else ""
    )
    return context


def lesson_access_state(*, lesson_id: int, user) -> LessonState | None:
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        return None
    return lesson_state(lesson=lesson, user=user)


def last_seen_lesson_id(enrolment: Enrolment) -> int | None:
    """The lesson the learner was last seen on: the enrolment's, or a later visit still waiting
    in this process's queue (lms/courses/seen.py)."""
    from .seen import queue

    waiting = queue.pending_enrolment(enrolment.pk)
    if waiting is not None and (
        enrolment.last_seen_at is None or enrolment.last_seen_at <= waiting[1]
    ):
        return waiting[0]
    return enrolment.last_lesson_id


def my_learning(*, user) -> dict:
    """The learner's enrolments with progress, next lesson and resume link (four queries)."""
    official = official_of(user)
    if official is None:
        return {"official": None, "rows": []}
    enrolments = list(
        Enrolment.objects.filter(official=official)
        .select_related("course")
        .order_by("completed_at", "due_date", "-enrolled_at")
    )
    q = Q()
    for enrolment in enrolments:
        q |= Q(path__startswith=enrolment.course.path)
    lessons_by_course: dict[str, list[dict]] = {}
    if enrolments:
        modules_live = set(ModulePage.objects.live().filter(q).values_list("path", flat=True))
        for lesson in (
            LessonPage.objects.live()
            .filter(q)
            .order_by("path")
            .values("id", "title", "path", "url_path")
        ):
            if lesson["path"][:-STEPLEN] in modules_live:
                lessons_by_course.setdefault(course_path_of(lesson["path"]), []).append(lesson)
    done = done_lesson_ids(official=official, course_ids=[e.course_id for e in enrolments])
    today = timezone.localdate()
    rows = []
    for enrolment in enrolments:
        lessons = lessons_by_course.get(enrolment.course.path, [])
        done_count = sum(1 for lesson in lessons if lesson["id"] in done)
        next_lesson = next((lesson for lesson in lessons if lesson["id"] not in done), None)
        last_lesson_id = last_seen_lesson_id(enrolment)
        last = next((lesson for lesson in lessons if lesson["id"] == last_lesson_id), None)
        resume = last or next_lesson or (lessons[0] if lessons else None)
        rows.append(
            {
                "enrolment": enrolment,
                "course": enrolment.course,
                "course_url": relative_url(enrolment.course.url_path),
                "lesson_count": len(lessons),
                "done_count": done_count,
                "progress": percent(done_count, len(lessons)),
                "next_lesson": next_lesson,
                "next_url": relative_url(next_lesson["url_path"]) if next_lesson else None,
                "resume_url": relative_url(resume["url_path"]) if resume else None,
                "overdue": bool(
                    enrolment.due_date and enrolment.due_date < today and not enrolment.completed_at
                ),
            }
        )
    return {"official": official, "rows": rows}


def open_courses(*, parent=None, user=None) -> list[dict]:
    """Live courses open for self-enrolment, with the user's enrolment flag (two queries)."""
    qs = CoursePage.objects.live().filter(open_enrolment=True)
    if parent is not None:
        qs = qs.child_of(parent)
    courses = list(
        qs.order_by("path").values("id", "title", "code", "summary", "audience", "url_path")
    )
    enrolled: set[int] = set()
    official = official_of(user) if user is not None else None
    if official is not None:
        enrolled = set(
            Enrolment.objects.filter(official=official).values_list("course_id", flat=True)
        )
    for course in courses:
        course["url"] = relative_url(course["url_path"])
        course["enrolled"] = course["id"] in enrolled
    return courses


def assign_candidates(*, agencies, position_kinds, course=None) -> dict:
    """How many current officials an assignment would reach, and how many are already enrolled."""
    from lms.agencies.models import Assignment

    qs = current_assignments_in(agencies=agencies, position_kinds=position_kinds)
    official_ids = qs.values("official_id")
    total = (
        Assignment.objects.filter(pk__in=qs.values("pk")).values("official_id").distinct().count()
    )
    already = (
        Enrolment.objects.filter(course=course, official_id__in=official_ids).count()
        if course
        else 0
    )
    return {"total": total, "already": already, "new": total - already}


def current_assignments_in(*, agencies, position_kinds, on: datetime.date | None = None):
    from lms.agencies.models import Assignment

    day = on or timezone.localdate()
    q = Q()
    for agency in agencies:
        q |= Q(agency__path__startswith=agency.path)
    if not q:
        return Assignment.objects.none()
    qs = Assignment.objects.filter(q, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    if position_kinds:
        qs = qs.filter(position_kind__in=list(position_kinds))
    return qs


def quizzes_by_course(*, user, quizzes) -> dict:
    """The quiz list: ``quizzes`` (those the user may see) grouped by the live courses that use
    them, module quizzes in module order then the final quiz, only for courses the learner is
    enrolled in or may enrol in (editors: every course); quizzes of no course come last (five
    queries)."""
    from lms.core.access import has_role
    from lms.core.models import Role

    visible = {q["id"]: q for q in quizzes.values("id", "slug", "title", "description", "draft")}
    courses = list(
        CoursePage.objects.live()
        .order_by("path")
        .values("id", "title", "path", "url_path", "open_enrolment", "final_quiz_id")
    )
    official = official_of(user)
    enrolled = (
        set(Enrolment.objects.filter(official=official).values_list("course_id", flat=True))
        if official is not None
        else set()
    )
    everything = has_role(user, Role.EDITOR)
    module_quizzes = list(
        ModulePage.objects.live()
        .filter(quiz__isnull=False)
        .order_by("path")
        .values_list("path", "quiz_id")
    )
    linked: set[int] = set()
    groups = []
    for course in courses:
        items = [
            {"quiz": visible[quiz_id], "final": False}
            for path, quiz_id in module_quizzes
            if path.startswith(course["path"]) and quiz_id in visible
        ]
        if course["final_quiz_id"] in visible:
            items.append({"quiz": visible[course["final_quiz_id"]], "final": True})
        linked.update(item["quiz"]["id"] for item in items)
        if items and (everything or course["open_enrolment"] or course["id"] in enrolled):
            course["url"] = relative_url(course["url_path"])
            course["enrolled"] = course["id"] in enrolled
            groups.append({"course": course, "items": items})
    others = [q for pk, q in visible.items() if pk not in linked]
    others.sort(key=lambda q: fold(q["title"]))
    return {"groups": groups, "others": others}


# Changes with every saved or deleted course page (receivers in apps.py).
FINAL_QUIZZES = Generation("courses:final-quizzes:generation")


def is_final_quiz(quiz_id: int) -> bool:
    """Does some course (published or not) end with this quiz? Kept per process while no course
    page changes: most quizzes end none, and their attempts then ask nothing of courses."""
    ids = FINAL_QUIZZES.kept_or_read(
        "ids",
        lambda: frozenset(
            CoursePage.objects.exclude(final_quiz=None).values_list("final_quiz_id", flat=True)
        ),
    )
    return quiz_id in ids


def final_quiz_refusal(*, official, quiz) -> str | None:
    """Why ``official`` may not start ``quiz`` yet, or None. A course's final quiz opens once
    every lesson of the course is done, so no attempt is spent early; it stays open to officials
    not enrolled in any course that ends with it (a session's post-test, say). Three queries at
    most."""
    if official is None or not is_final_quiz(quiz.pk):
        return None
    courses = list(
        CoursePage.objects.live()
        .filter(final_quiz=quiz, enrolments__official=official)
        .order_by("path")
        .only("id", "title", "path")
    )
    if not courses:
        return None
    q = Q()
    for course in courses:
        q |= Q(path__startswith=course.path)
    lessons = list(LessonPage.objects.live().filter(q).values_list("id", "path"))
    done = done_lesson_ids(official=official, course_ids=[c.pk for c in courses])
    for course in courses:
        if all(pk in done for pk, path in lessons if path.startswith(course.path)):
            return None
    return _(
        "Finish every lesson of “%(course)s” first: its final quiz opens once all lessons are done."
    ) % {"course": courses[0].title}


def learner_overview(*, user, limit: int = 5) -> dict:
    """What an official sees first after logging in ("My learning", and the home page when
    logged in): their courses, their training sessions and their latest quiz results (six
    queries). Expired attempts are closed by the caller first (a write, see the views)."""
    data = my_learning(user=user)
    official = data["official"]
    data["registrations"], data["sittings"] = [], []
    if official is None:
        return data
    # Sessions and quizzes sit beside courses; imported here to keep the apps' layering.
    from lms.quizzes.models import Sitting
    from lms.training.models import RegistrationStatus
    from lms.training.selectors import registrations_of

    data["registrations"] = list(
        registrations_of(official).exclude(
            status__in=[RegistrationStatus.DECLINED, RegistrationStatus.CANCELLED]
        )[:limit]
    )
    data["sittings"] = list(
        Sitting.objects.filter(official=official)
        .select_related("quiz")
        .order_by("-started_at", "-pk")[:limit]
    )
    return data


def overdue_enrolments_for(user, *, on: datetime.date):
    """Assigned courses past their due date and not completed, in the agencies where ``user``
    is an ISO secretary (by the agency the official was enrolled in), most overdue first."""
    from lms.core.access import EVERYWHERE, scope_paths
    from lms.core.models import Role

    paths = [p for p in scope_paths(user, Role.ISO_SECRETARY) if p != EVERYWHERE]
    if not paths:
        return Enrolment.objects.none()
    within = Q()
    for path in paths:
        within |= Q(agency__path__startswith=path)
    return Enrolment.objects.filter(within, due_date__lt=on, completed_at__isnull=True).order_by(
        "due_date", "agency__path", "official__full_name", "pk"
    )
