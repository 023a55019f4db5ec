"""Lesson search: the folded columns a lesson keeps, the database match, ranking and snippets.

A lesson stores its title, headings and whole text as ``search_column``s (lms/core/text.py):
folded words between spaces. A query word matches the start of a stored word, in every
database: PostgreSQL runs its full-text search over the columns (``simple`` configuration, a
prefix ``tsquery``, ranked by ``ts_rank`` with the title and headings weighted), SQLite and
others a ``LIKE " word"`` per word. The same ranking in Python then orders the bounded set of
candidates (title matches first, then headings, then how often the words occur), so that both
databases answer alike; snippets show the lesson's own Vietnamese text with the matches marked.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from lms.core.text import highlight, search_column, search_words

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
CANDIDATES = 200
SNIPPET_CHARS = 220

# Keys of block values that are not text a reader sees (links, chosen images and documents).
_NOT_TEXT = {"url", "image", "document", "id"}
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(
    r"(?m)^\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+|[*`|]+|:?-{3,}:?|(?<!\w)_+|_+(?!\w)"
)


def _texts(value, key=None):
    """Every piece of text in a raw StreamField value, in reading order, with its block key."""
    if isinstance(value, str):
        if key not in _NOT_TEXT:
            yield key, value
    elif isinstance(value, dict):
        if "type" in value and "value" in value:
            yield from _texts(value["value"], value["type"])
        else:
            for k, v in value.items():
                yield from _texts(v, k)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item, key)


def raw_blocks(body) -> list:
    """A StreamField value (or its raw JSON list) as the raw list of blocks."""
    raw = getattr(body, "raw_data", body)
    return list(raw or [])


def lesson_headings(body) -> str:
    """The headings of a lesson body: Markdown ``#`` lines and the titles of its blocks."""
    found = []
    for key, text in _texts(raw_blocks(body)):
        if key == "title":
            found.append(text)
        else:
            found.extend(_HEADING.findall(text))
    return "\n".join(found)


def lesson_text(body) -> str:
    """A lesson body as the reader sees its words: Markdown marks dropped, entities decoded."""
    parts = []
    for _key, text in _texts(raw_blocks(body)):
        text = _MD_LINK.sub(r"\1", text)
        parts.append(html.unescape(_MD_MARKS.sub(" ", text)))
    return " ".join(" ".join(parts).split())


def lesson_columns(*, title: str, body) -> dict:
    """The folded search columns a lesson stores (kept by LessonPage.save)."""
    return {
        "search_title": search_column(title),
        "search_headings": search_column(lesson_headings(body)),
        "search_text": search_column(f"{title}\n{lesson_text(body)}"),
    }


@dataclass
class SearchOutcome:
    """What a search page shows: the words searched, the results and any note about the query."""

    words: list[str] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""


def query_words(query: str) -> SearchOutcome:
    """The words to search for in what was typed, or the reason there are none."""
    outcome = SearchOutcome()
    query = query or ""
    if len(query) > MAX_QUERY_CHARS:
        outcome.notes.append(
            _("Only the first %(count)d characters of the search were used.")
            % {"count": MAX_QUERY_CHARS}
        )
        query = query[:MAX_QUERY_CHARS]
    if not query.strip():
        outcome.error = _("Type one or more words to search the lessons.")
        return outcome
    words = list(dict.fromkeys(search_words(query)))
    if not words:
        outcome.error = _(
            "The search has no letters or digits to look for. Type words from the lesson, "
            "such as “đánh giá nội bộ” or “5W1H”."
        )
        return outcome
    if len(words) > MAX_WORDS:
        outcome.notes.append(
            _("Only the first %(count)d words of the search were used.") % {"count": MAX_WORDS}
        )
        words = words[:MAX_WORDS]
    outcome.words = words
    return outcome


def readable_course_paths(user) -> list[str] | None:
    """The tree paths of the live courses whose lessons ``user`` may read (enrolled, or open for
    enrolment to an official); None for editors, who read everything. Two queries at most."""
    from lms.core.access import has_role
    from lms.core.models import Role

    from .models import CoursePage, Enrolment
    from .selectors import official_of

    if user is not None and has_role(user, Role.EDITOR):
        return None
    official = official_of(user) if user is not None else None
    readable = Q(open_enrolment=True) if official is not None else Q(pk__in=[])
    if official is not None:
        readable |= Q(pk__in=Enrolment.objects.filter(official=official).values("course_id"))
    return list(CoursePage.objects.live().filter(readable).values_list("path", flat=True))


def _matching(words, course_paths=None):
    from .models import LessonPage

    lessons = LessonPage.objects.live()
    if course_paths is not None:
        within = Q(pk__in=[])
        for path in course_paths:
            within |= Q(path__startswith=path)
        lessons = lessons.filter(within)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("search_title", weight="A", config="simple")
            + SearchVector("search_headings", weight="B", config="simple")
            + SearchVector("search_text", weight="D", config="simple")
        )
        # Words are letters and digits only (search_words), so the raw tsquery is well formed.
        tsquery = SearchQuery(
            " & ".join(f"{word}:*" for word in words), search_type="raw", config="simple"
        )
        return (
            lessons.annotate(document=vector, rank=SearchRank(vector, tsquery))
            .filter(document=tsquery)
            .order_by("-rank", "path")
        )
    for word in words:
        lessons = lessons.filter(search_text__contains=f" {word}")
    in_title = Value(0)
    for word in words:
        in_title += Case(
            When(search_title__contains=f" {word}", then=Value(2)),
            When(search_headings__contains=f" {word}", then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return lessons.annotate(weight=in_title).order_by("-weight", "path")


def _score(lesson: dict, words) -> tuple:
    title, headings, text = (
        lesson["search_title"],
        lesson["search_headings"],
        lesson["search_text"],
    )
    in_title = sum(f" {word}" in title for word in words)
    in_headings = sum(f" {word}" in headings for word in words)
    occurrences = sum(min(text.count(f" {word}"), 20) for word in words)
    return (-in_title, -in_headings, -occurrences, lesson["path"])


def search_lessons(*, query: str, limit: int = 50, user=None) -> SearchOutcome:
    """Live lessons holding every word of ``query`` (at a word's start, accents and case
    aside), best first, each with its course and a highlighted snippet; with ``user``, only
    lessons of courses they may read (titles and snippets of closed courses stay hidden)."""
    from .models import CoursePage, LessonPage
    from .selectors import course_path_of, relative_url

    outcome = query_words(query)
    if not outcome.words:
        return outcome
    words = outcome.words
    candidates = list(
        _matching(words, readable_course_paths(user) if user is not None else None).values(
            "id", "title", "path", "url_path", "search_title", "search_headings", "search_text"
        )[:CANDIDATES]
    )
    candidates.sort(key=lambda lesson: _score(lesson, words))
    lessons = candidates[:limit]
    if not lessons:
        return outcome
    bodies = {
        page.pk: page.body
        for page in LessonPage.objects.filter(pk__in=[lesson["id"] for lesson in lessons]).only(
            "id", "body"
        )
    }
    courses = dict(
        CoursePage.objects.filter(
            path__in={course_path_of(lesson["path"]) for lesson in lessons}
        ).values_list("path", "title")
    )
    for lesson in lessons:
        text = lesson_text(bodies.get(lesson["id"]))
        outcome.results.append(
            {
                "id": lesson["id"],
                "title": lesson["title"],
                "url": relative_url(lesson["url_path"]),
                "course_title": courses.get(course_path_of(lesson["path"]), ""),
                "title_html": highlight(lesson["title"], words),
                "snippet_html": highlight(text, words, width=SNIPPET_CHARS),
            }
        )
    return outcome
