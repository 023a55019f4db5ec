"""Writes of the quiz engine: question import, sittings, answers, marking and remarking."""

from __future__ import annotations

import datetime
import functools
import json
import random
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.core import compiled
from lms.core import sql as hot_sql
from lms.core.text import fold

from . import definitions
from .formats.base import KINDS, TEXT_FORMATS, FormatError, ParsedQuestion
from .models import (
    Category,
    Choice,
    Clause,
    Question,
    QuestionKind,
    Quiz,
    Remark,
    Response,
    ResponseChoice,
    Sitting,
    SittingState,
    Tag,
)
from .signals import sitting_finished

CENT = Decimal("0.01")
ONE = Decimal(1)
# What a question may be worth (Question.points holds up to 9999.99; totals must fit a sitting).
MIN_POINTS, MAX_POINTS = Decimal("0.01"), Decimal(1000)


class QuizError(Exception):
    """A refused action with a message for the learner or marker."""


# --- question bank -------------------------------------------------------------------------


def normalise_answer(text: str) -> str:
    """Short answers match after folding case, whitespace and Vietnamese diacritics."""
    return fold(text)


def _split_path(path: str) -> list[str]:
    return [part.strip() for part in (path or "").split("/") if part.strip()]


def category_for_path(path: str, cache: dict[str, Category] | None = None) -> Category | None:
    """The category at "A/B/C", created with its parents when missing; None for ""."""
    cache = {} if cache is None else cache
    parts = _split_path(path)
    parent = None
    for depth in range(1, len(parts) + 1):
        full = "/".join(parts[:depth])
        if full not in cache:
            cache[full], _created = Category.objects.get_or_create(
                path=full, defaults={"name": parts[depth - 1], "parent": parent}
            )
        parent = cache[full]
    return parent


def question_validate(question: ParsedQuestion, source: str = "") -> None:
    """Check what the database relies on; parsers check their own syntax first."""

    def fail(message):
        title = question.name or question.key
        if title:
            message = f"question {title!r}: {message}"
        raise FormatError(source or "questions", question.line, message)

    if question.kind not in KINDS:
        fail(f"unknown kind {question.kind!r}")
    if question.text_format not in TEXT_FORMATS:
        fail(f"unknown text format {question.text_format!r}")
    texts = [
        ("title", question.name),
        ("id", question.key),
        ("text", question.text),
        ("explanation", question.explanation),
        ("category", question.category),
        ("feedback", question.feedback_true),
        ("feedback", question.feedback_false),
        *(("tag", tag) for tag in question.tags),
        *(("clause tag", clause) for clause in question.clauses),
        *(("answer", answer) for answer in question.answers),
        *(("answer", c.text) for c in [*question.choices, *question.partial_answers]),
        *(("feedback", c.feedback) for c in question.choices),
        *(("matching answer", c.match) for c in question.choices),
    ]
    for label, value in texts:
        if "\x00" in (value or ""):
            fail(f"the {label} contains a NUL character (byte 0), which cannot be stored")
    if not (question.text or "").strip():
        fail("empty question text")
    if len(question.key) > 120:
        fail("question id longer than 120 characters")
    if len(question.name) > 255:
        fail("title longer than 255 characters")
    segments = _split_path(question.category)
    for segment in segments:
        if len(segment) > 200:
            fail(f"category segment {segment[:30]!r}... longer than 200 characters")
    if len("/".join(segments)) > 500:
        fail("category path longer than 500 characters")
    for tag in question.tags:
        if len(tag) > 100:
            fail(f"tag {tag[:30]!r}... longer than 100 characters")
    for clause in question.clauses:
        if len(clause) > 20:
            fail(f"clause tag {clause[:30]!r}... longer than 20 characters")
    points = Decimal(question.points)
    if not points.is_finite() or not MIN_POINTS <= points <= MAX_POINTS:
        fail(f"points {points:f} are outside {MIN_POINTS}..{MAX_POINTS}")
    for choice in question.choices:
        fraction = Decimal(choice.fraction)
        if not fraction.is_finite() or not -ONE <= fraction <= ONE:
            fail(f"answer {choice.text[:30]!r} has a weight outside -100%..100%")
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(question.choices) < 2:
            fail(f"a {question.kind} question needs at least 2 choices")
        if not any(c.fraction > 0 for c in question.choices):
            fail("no choice earns points")
        if question.kind == QuestionKind.SINGLE and not any(
            c.fraction >= 1 for c in question.choices
        ):
            fail("a single-choice question needs one fully correct choice")
    if question.kind == QuestionKind.MATCHING:
        if len([c for c in question.choices if c.text.strip()]) < 2:
            fail("a matching question needs at least two items with answers")
        if any(not c.match.strip() for c in question.choices):
            fail("every matching item needs its answer")
    if question.kind == QuestionKind.TRUEFALSE and question.correct is None:
        fail("a true/false question needs its answer")
    if question.kind == QuestionKind.SHORT and not [a for a in question.answers if a.strip()]:
        fail("a short-answer question needs accepted answers")
    if question.kind == QuestionKind.NUMERICAL:
        if not any(c.fraction >= 1 for c in question.choices):
            fail("a numerical question needs an answer worth 100%")
        for choice in question.choices:
            value = parse_number(choice.text)
            tolerance = Decimal(choice.tolerance or 0)
            if value is None or not tolerance.is_finite() or tolerance < 0:
                fail(f"numerical answer {choice.text[:30]!r} is not a number with a tolerance")
            if abs(value) >= MAX_NUMBER or tolerance >= MAX_NUMBER:
                fail(f"numerical answer {choice.text[:30]!r} is too large")


def parse_number(text: str) -> Decimal | None:
    """'2015', ' 3,5 ' (Vietnamese decimal comma) -> Decimal; anything else -> None."""
    text = (text or "").strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


# A numerical answer or tolerance must fit Choice.tolerance (20 digits, 6 after the point).
MAX_NUMBER = Decimal(10) ** 13


ChoiceRow = tuple[str, Decimal, str, Decimal | None, str]


def _choice_rows(parsed: ParsedQuestion) -> list[ChoiceRow]:
    """(text, fraction, feedback, tolerance, match) of the choices the question keeps."""
    if parsed.kind == QuestionKind.SHORT:
        return [(a.strip(), ONE, "", None, "") for a in parsed.answers if a.strip()] + [
            (c.text.strip(), Decimal(c.fraction), "", None, "") for c in parsed.partial_answers
        ]
    if parsed.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [(c.text, Decimal(c.fraction), c.feedback or "", None, "") for c in parsed.choices]
    if parsed.kind == QuestionKind.MATCHING:
        return [(c.text, ONE if c.text else Decimal(0), "", None, c.match) for c in parsed.choices]
    if parsed.kind == QuestionKind.NUMERICAL:
        return [
            (
                format(parse_number(c.text).normalize(), "f"),
                Decimal(c.fraction),
                c.feedback or "",
                Decimal(c.tolerance or 0).quantize(Decimal("0.000001")),
                "",
            )
            for c in parsed.choices
        ]
    return []


def _sync_choices(question: Question, rows: list[ChoiceRow], existing: list[Choice]) -> bool:
    """Make the question's active choices equal ``rows``; keep choices that sittings used."""
    changed = False
    by_text: dict[str, list[Choice]] = {}
    for choice in existing:
        by_text.setdefault(choice.text, []).append(choice)
    keep_ids = set()
    fields = ["fraction", "feedback", "order", "active", "tolerance", "match"]
    for order, (text, fraction, feedback, tolerance, match) in enumerate(rows):
        matches = by_text.get(text)
        if matches:
            choice = matches.pop(0)
            fraction = fraction.quantize(Decimal("0.00001"))
            want = (fraction, feedback, order, True, tolerance, match)
            if tuple(getattr(choice, name) for name in fields) != want:
                for name, value in zip(fields, want, strict=True):
                    setattr(choice, name, value)
                choice.save(update_fields=fields)
                changed = True
        else:
            choice = Choice.objects.create(
                question=question,
                text=text,
                fraction=fraction,
                feedback=feedback,
                order=order,
                tolerance=tolerance,
                match=match,
            )
            changed = True
        keep_ids.add(choice.pk)
    stale = [c for c in existing if c.pk not in keep_ids]
    if stale:
        used = set(
            ResponseChoice.objects.filter(choice__in=stale).values_list("choice_id", flat=True)
        )
        unused = [c.pk for c in stale if c.pk not in used]
        if unused:
            Choice.objects.filter(pk__in=unused).delete()
            changed = True
        retire = [c.pk for c in stale if c.pk in used and c.active]
        if retire:
            Choice.objects.filter(pk__in=retire).update(active=False)
            definitions.bank_changed()  # an update sends no signal
            changed = True
    return changed


CARRIED_FIELDS = {"points": "points", "shuffle": "shuffle_choices"}


def _label(parsed: ParsedQuestion) -> str:
    where = f"line {parsed.line}: " if parsed.line else ""
    return f"{where}question {parsed.name or parsed.key or parsed.text[:40]!r}"


def questions_upsert(
    *,
    questions: list[ParsedQuestion],
    default_category: str = "",
    source: str = "",
    warnings: list[str] | None = None,
    store_images: bool = True,
) -> tuple[list[Question], dict]:
    """Write parsed questions (validated), returning the rows in input order and the counts.

    Call inside a transaction; ``questions_import`` is the public all-or-nothing entry point.
    ``warnings`` (when given) receives a line for every changed question that past attempts
    used, and for every bank value the file cannot carry (GIFT: points, "do not shuffle").
    """
    warnings = [] if warnings is None else warnings
    counts = {"created": 0, "updated": 0, "unchanged": 0, "categories": 0}
    for parsed in questions:
        question_validate(parsed, source)
    seen: dict[str, int | None] = {}
    for parsed in questions:
        if parsed.key:
            if parsed.key in seen:
                title = f"question {parsed.name!r}: " if parsed.name else ""
                raise FormatError(
                    source or "questions",
                    parsed.line,
                    f"{title}duplicate question id {parsed.key!r}",
                )
            seen[parsed.key] = parsed.line
    if any(parsed.files for parsed in questions):
        from .images import store_images as store

        store(questions, create=store_images)
    categories_before = Category.objects.count()
    cache: dict[str, Category] = {}
    existing = {
        q.key: q
        for q in Question.objects.filter(
            key__in=[p.key for p in questions if p.key]
        ).prefetch_related("choices", "tags", "clauses")
    }
    tag_names = {t for p in questions for t in p.tags}
    clause_numbers = {c for p in questions for c in p.clauses}
    tags = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
    for name in tag_names - set(tags):
        tags[name] = Tag.objects.create(name=name)
    clauses = {c.number: c for c in Clause.objects.filter(number__in=clause_numbers)}
    for number in clause_numbers - set(clauses):
        clauses[number] = Clause.objects.create(number=number)

    rows: list[Question] = []
    updated: list[tuple[ParsedQuestion, Question]] = []
    for parsed in questions:
        category = category_for_path(parsed.category or default_category, cache)
        if category is not None and parsed.category_description:
            if category.description != parsed.category_description:
                category.description = parsed.category_description
                category.save(update_fields=["description"])
        values = {
            "name": parsed.name[:255],
            "kind": parsed.kind,
            "text": parsed.text,
            "text_format": parsed.text_format,
            "explanation": parsed.explanation or "",
            "points": Decimal(parsed.points).quantize(CENT),
            "category": category,
            "shuffle_choices": getattr(parsed, "shuffle", True),
            "correct": parsed.correct if parsed.kind == QuestionKind.TRUEFALSE else None,
            "feedback_true": parsed.feedback_true if parsed.kind == QuestionKind.TRUEFALSE else "",
            "feedback_false": (
                parsed.feedback_false if parsed.kind == QuestionKind.TRUEFALSE else ""
            ),
            "source": source[:500],
        }
        question = existing.get(parsed.key) if parsed.key else None
        is_new = question is None
        if is_new:
            question = Question.objects.create(key=parsed.key, **values)
            counts["created"] += 1
            changed_choices = _sync_choices(question, _choice_rows(parsed), [])
            changed = True
        else:
            changed = False
            kept = []
            for carried, field in CARRIED_FIELDS.items():
                if carried not in parsed.carries:
                    values.pop(field)
                    if field == "points" and question.points != ONE:
                        kept.append(f"points {question.points.normalize()}")
                    if field == "shuffle_choices" and not question.shuffle_choices:
                        kept.append('"do not shuffle"')
            if kept:
                warnings.append(
                    f"{_label(parsed)}: the file does not set {' and '.join(kept)}; "
                    "the bank's value is kept"
                )
            for field, value in values.items():
                current = getattr(question, field)
                if field == "source":
                    continue  # where it came from last time is not a change
                if current != value:
                    setattr(question, field, value)
                    changed = True
            if changed:
                question.save()
            changed_choices = _sync_choices(
                question, _choice_rows(parsed), list(question.choices.all())
            )
        want_tags = {tags[t].pk for t in parsed.tags}
        want_clauses = {clauses[c].pk for c in parsed.clauses}
        if not is_new:
            if {t.pk for t in question.tags.all()} != want_tags:
                question.tags.set(want_tags)
                changed = True
            if {c.pk for c in question.clauses.all()} != want_clauses:
                question.clauses.set(want_clauses)
                changed = True
            if changed or changed_choices:
                counts["updated"] += 1
                updated.append((parsed, question))
            else:
                counts["unchanged"] += 1
        else:
            if want_tags:
                question.tags.set(want_tags)
            if want_clauses:
                question.clauses.set(want_clauses)
        rows.append(question)
    counts["categories"] = Category.objects.count() - categories_before
    if updated:
        used = dict(
            Response.objects.filter(question__in=[q for _p, q in updated])
            .values("question_id")
            .annotate(n=Count("sitting_id", distinct=True))
            .values_list("question_id", "n")
        )
        for parsed, question in updated:
            if used.get(question.pk):
                warnings.append(
                    f"{_label(parsed)} changes a question that {used[question.pk]} past "
                    "attempt(s) used: they keep the version they showed; new attempts get "
                    "the new one"
                )
    return rows, counts


def questions_import(
    *,
    questions: list[ParsedQuestion],
    default_category: str = "",
    source: str = "",
    warnings: list[str] | None = None,
    store_images: bool = True,
) -> dict:
    """Import parsed questions all or nothing; upsert by key. Returns created/updated/unchanged.

    Embedded images go to the image library (``store_images=False``, a dry run: none)."""
    with transaction.atomic():
        _rows, counts = questions_upsert(
            questions=questions,
            default_category=default_category,
            source=source,
            warnings=warnings,
            store_images=store_images,
        )
    return counts


# --- sittings --------------------------------------------------------------------------------


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def attempts_used(*, quiz: Quiz, official) -> int:
    return Sitting.objects.filter(quiz=quiz, official=official).count()


def sitting_start(
    *, quiz: Quiz, user, official=None, now=None, rng: random.Random | None = None
) -> Sitting:
    """Start an attempt, or return the one in progress. Draws and orders questions once."""
    now = _now(now)
    rng = rng or random.SystemRandom()
    # The official, their agency today, the attempt in progress (if any) and the last attempt
    # number, in one query.
    facts = _start_facts(quiz=quiz, user=user, official=official)
    if facts is None:
        raise QuizError(
            _("Your login is not linked to an official record, so attempts cannot be recorded.")
        )
    official = official or facts
    used = facts.last_attempt or 0
    if facts.open_pk is not None:
        open_sitting = sitting_close_if_expired(
            sitting=Sitting.objects.get(pk=facts.open_pk), now=now
        )
        if open_sitting.state == SittingState.IN_PROGRESS:
            return open_sitting
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        raise QuizError(_("You have used all attempts allowed for this quiz."))
    if quiz.is_closed(now):
        raise QuizError(_("This quiz is closed: no new attempt can start."))
    # A course's final quiz waits for the course's lessons (courses sit above quizzes).
    from lms.courses.selectors import final_quiz_refusal

    refusal = final_quiz_refusal(official=official, quiz=quiz)
    if refusal:
        raise QuizError(refusal)
    # The quiz's plan and its questions as shown come from this process's copies while the bank
    # is unchanged (definitions.py): no query for them once the quiz has been started here.
    token = getattr(quiz, "bank_token", None) or definitions.generation()
    question_ids = definitions.quiz_plan(quiz, token).draw(rng)
    if not question_ids:
        raise QuizError(_("This quiz has no questions yet."))
    if quiz.random_order:
        rng.shuffle(question_ids)
    questions = definitions.question_copies(question_ids, token)
    deadline = (
        now + datetime.timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes
        else None
    )
    # Built before the transaction: on SQLite it holds the one writer's lock.
    rows = []
    for order, qid in enumerate(question_ids):
        question = questions[qid]
        shown_json = question.shown_json
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            order_ids = list(question.choice_ids)
            if quiz.random_order and question.shuffle_choices:
                rng.shuffle(order_ids)
        elif question.kind == QuestionKind.MATCHING:
            # Items in the question's order; the answers offered are shuffled.
            order_ids = list(question.item_ids)
            options = list(question.options)
            if question.shuffle_choices:
                rng.shuffle(options)
            shown_json = json.dumps({**question.shown, "options": options})
        else:
            order_ids = []
        rows.append((qid, order, json.dumps(order_ids), question.points, shown_json))
    try:
        with transaction.atomic():
            sitting = Sitting.objects.create(
                quiz=quiz,
                official=official,
                user=user if getattr(user, "is_authenticated", False) else None,
                agency_id=facts.agency_pk,
                attempt=used + 1,
                started_at=now,
                deadline=deadline,
                pass_mark=quiz.pass_mark,
                feedback_mode=quiz.feedback_mode,
                max_score=sum((questions[qid].points for qid in question_ids), Decimal(0)),
            )
            _insert_responses(sitting, rows)
    except IntegrityError:
        # Another tab started the same attempt a moment ago: use that one.
        existing = Sitting.objects.filter(
            quiz=quiz, official=official, state=SittingState.IN_PROGRESS
        ).first()
        if existing is None:
            raise
        return existing
    return sitting


def _start_facts(*, quiz: Quiz, user, official=None):
    """The official starting ``quiz`` (the user's, unless given) annotated with ``agency_pk``
    (their agency today, as ``current_assignment`` finds it), ``last_attempt`` (their highest
    attempt number at the quiz) and ``open_pk`` (their attempt in progress): one query, plain
    SQL written once (the ORM's three subqueries cost more to compile than to run). None when
    the user has no official record."""
    from lms.agencies.models import Official

    if official is None and not getattr(user, "is_authenticated", False):
        return None
    day = connection.ops.adapt_datefield_value(datetime.date.today())
    params = [day, day, quiz.pk, quiz.pk, SittingState.IN_PROGRESS]
    params.append(official.pk if official is not None else user.pk)
    found = list(Official.objects.raw(_start_facts_sql(by_user=official is None), params))
    return found[0] if found else None


@functools.cache
def _start_facts_sql(*, by_user: bool) -> str:
    from lms.agencies.models import Assignment, Official

    qn = connection.ops.quote_name
    official = qn(Official._meta.db_table)
    assignment = qn(Assignment._meta.db_table)
    sitting = qn(Sitting._meta.db_table)
    return (
        f"SELECT o.*, "
        f"(SELECT a.{qn('agency_id')} FROM {assignment} a "
        f"WHERE a.{qn('official_id')} = o.{qn('id')} AND a.{qn('start_date')} <= %s "
        f"AND (a.{qn('end_date')} IS NULL OR a.{qn('end_date')} >= %s) "
        f"ORDER BY a.{qn('start_date')} DESC, a.{qn('id')} DESC LIMIT 1) AS agency_pk, "
        f"(SELECT MAX(s.{qn('attempt')}) FROM {sitting} s "
        f"WHERE s.{qn('official_id')} = o.{qn('id')} AND s.{qn('quiz_id')} = %s) "
        f"AS last_attempt, "
        f"(SELECT MAX(s.{qn('id')}) FROM {sitting} s "
        f"WHERE s.{qn('official_id')} = o.{qn('id')} AND s.{qn('quiz_id')} = %s "
        f"AND s.{qn('state')} = %s) AS open_pk "
        f"FROM {official} o WHERE o.{qn('user_id' if by_user else 'id')} = %s"
    )


_RESPONSE_COLUMNS = (
    "sitting",
    "question",
    "order",
    "choice_order",
    "points",
    "text_answer",
    "answered_at",
    "checked",
    "score",
    "marked_by",
    "marked_at",
    "comment",
    "shown",
)


def _insert_responses(sitting: Sitting, rows: list[tuple]) -> None:
    """Insert a new sitting's responses, rows of (question id, order, choice order as JSON,
    points, the question as shown as JSON): one statement (per 500 rows on SQLite), the JSON
    encoded once per question (definitions.QuestionCopy.shown_json) rather than by a model per
    row."""
    if connection.vendor == "postgresql":
        _insert_responses_pg(sitting, rows)
        return
    fields = [Response._meta.get_field(name) for name in _RESPONSE_COLUMNS]
    quote = connection.ops.quote_name
    one = "({})".format(", ".join(["%s"] * len(fields)))
    points = Response._meta.get_field("points")
    blank = (
        "",
        None,
        Response._meta.get_field("checked").get_db_prep_save(False, connection),
        None,
        None,
        None,
        "",
    )
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        params = []
        for qid, order, choice_order, value, shown_json in chunk:
            params.extend(
                (
                    sitting.pk,
                    qid,
                    order,
                    choice_order,
                    points.get_db_prep_save(value, connection),
                    *blank,
                    shown_json,
                )
            )
        sql = "INSERT INTO {} ({}) VALUES {}".format(
            quote(Response._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join([one] * len(chunk)),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@functools.cache
def _insert_responses_sql() -> str:
    """PostgreSQL: the new responses as one statement whose text does not depend on how many
    there are (the rows come as one array per column, ``unnest``): prepared once per connection
    (``lms.core.sql``). A ``VALUES`` list of 20 rows has some 260 parameters: psycopg parses
    such a statement anew on every call and the server plans it anew.

    The arrays go in binary (``%b``): psycopg writes a text array by escaping every double quote
    of every element with a regular expression, and the questions' JSON as shown holds hundreds
    of them per attempt (about 0.9 ms of CPU per 20 rows against 0.01 ms in binary)."""
    quote = connection.ops.quote_name
    column = {name: quote(Response._meta.get_field(name).column) for name in _RESPONSE_COLUMNS}
    pk_type = _column_type(Response._meta.get_field("question"))
    order_type = _column_type(Response._meta.get_field("order"))
    return (
        f"INSERT INTO {quote(Response._meta.db_table)} "
        f"({', '.join(column[name] for name in _RESPONSE_COLUMNS)}) "
        "SELECT %s, r.question, r.position, r.choices::jsonb, r.points, '', NULL, false, NULL, "
        "NULL, NULL, '', r.shown::jsonb "
        f"FROM unnest(%b::{pk_type}[], %b::{order_type}[], %b::text[], %b::numeric[], "
        "%b::text[]) AS r (question, position, choices, points, shown)"
    )


def _insert_responses_pg(sitting: Sitting, rows: list[tuple]) -> None:
    points = Response._meta.get_field("points")
    columns = ([], [], [], [], [])
    for qid, order, choice_order, value, shown_json in rows:
        columns[0].append(qid)
        columns[1].append(order)
        columns[2].append(choice_order)
        columns[3].append(points.get_db_prep_save(value, connection))
        columns[4].append(shown_json)
    with hot_sql.cursor(connection) as cursor:
        cursor.execute(_insert_responses_sql(), [sitting.pk, *columns])


def sitting_close_if_expired(*, sitting: Sitting, now=None) -> Sitting:
    """A sitting past its deadline is submitted at the deadline when next touched."""
    now = _now(now)
    if sitting.state == SittingState.IN_PROGRESS and sitting.deadline and now > sitting.deadline:
        return sitting_submit(sitting=sitting, now=now)
    return sitting


def sittings_close_expired(*, now=None, limit: int = 500, official=None) -> int:
    """Submit open sittings whose deadline has passed: a periodic sweep, and for one official
    before a page lists their attempts (so an expired attempt never shows as still open)."""
    now = _now(now)
    due = Sitting.objects.filter(state=SittingState.IN_PROGRESS, deadline__lt=now).order_by(
        "deadline"
    )
    if official is not None:
        due = due.filter(official=official)
    closed = 0
    for sitting in due[:limit]:
        sitting_submit(sitting=sitting, now=now)
        closed += 1
    return closed


def _lock(sitting: Sitting) -> Sitting:
    """The sitting read again with its row locked, its quiz and official loaded.

    Lock the sitting row only: locking the joined quiz row would queue every learner's submit.
    The official comes along for the listeners of sitting_finished (courses, certificates).
    When the caller's copy already carries its quiz and official (the views read them), the
    locked read is of the sitting's row alone and the copy's quiz, official (and agency) are
    kept: a one-table statement, without the joins' planning on PostgreSQL."""
    cache = sitting._state.fields_cache
    if "quiz" not in cache or "official" not in cache:
        return (
            Sitting.objects.select_for_update(of=("self",))
            .select_related("quiz", "official")
            .get(pk=sitting.pk)
        )
    found = compiled.fetch(
        "quizzes.sitting_locked",
        lambda pk: Sitting.objects.select_for_update().filter(pk=pk),
        [sitting.pk],
    )
    if not found:
        raise Sitting.DoesNotExist
    locked = found[0]
    for name in ("quiz", "official", "agency"):
        related = cache.get(name)
        if related is not None and getattr(locked, f"{name}_id") == related.pk:
            setattr(locked, name, related)
    return locked


def _update_responses(responses: list[Response], names: list[str]) -> None:
    """Write ``names`` of each response: one parameterised UPDATE run for all rows at once.

    Django's bulk_update builds a CASE expression per field and row, which costs more to
    compile than the statement costs to run; this is the same write, prepared once."""
    if not responses or not names:
        return
    fields = [Response._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        _update_responses_pg(responses, fields)
        return
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(Response._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(Response._meta.pk.column),
    )
    rows = [
        [f.get_db_prep_save(getattr(r, f.attname), connection) for f in fields] + [r.pk]
        for r in responses
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _update_responses_pg(responses: list[Response], fields: list) -> None:
    """PostgreSQL: the same write as one ``UPDATE ... FROM unnest(...)`` statement, the rows as
    one array per column: its text depends on the fields only, so it is prepared once per
    connection (``lms.core.sql``) rather than parsed and planned by the server (and parsed by
    psycopg, past 50 parameters) on every submit."""
    columns = [[r.pk for r in responses]]
    columns += [
        [f.get_db_prep_save(getattr(r, f.attname), connection) for r in responses] for f in fields
    ]
    with hot_sql.cursor(connection) as cursor:
        cursor.execute(_update_responses_sql(tuple(f.name for f in fields)), columns)


@functools.cache
def _update_responses_sql(names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    pk = Response._meta.pk
    fields = [Response._meta.get_field(name) for name in names]
    casts = [pk.db_type(connection), *(_column_type(f) for f in fields)]
    return (
        "UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS v ({names}) WHERE t.{pk} = v.id"
    ).format(
        table=quote(Response._meta.db_table),
        sets=", ".join(f"{quote(f.column)} = v.v{i}" for i, f in enumerate(fields)),
        # Binary arrays: no escaping of each element's quotes (see _insert_responses_sql).
        arrays=", ".join(f"%b::{cast}[]" for cast in casts),
        names=", ".join(["id", *(f"v{i}" for i in range(len(fields)))]),
        pk=quote(pk.column),
    )


def _column_type(field) -> str:
    """The column's type as an array's element type (a foreign key's is its target's)."""
    if field.is_relation:
        return field.target_field.rel_db_type(connection)
    return field.db_type(connection).split(" CHECK")[0]


def _set_answers(
    responses: list[Response], answers: Mapping[int, Iterable[str]], now
) -> dict[int, list[int]]:
    """Store raw answers on ``responses`` in memory; the chosen choice ids of the choice
    questions among them (response id -> ids, every one of them relinked), nothing saved."""
    picked_by: dict[int, list[int]] = {}
    for response in responses:
        values = [
            str(v)
            for v in answers.get(response.pk, answers.get(str(response.pk), []))
            if str(v) != ""
        ]
        kind = response.kind
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            allowed = set(response.choice_order)
            picked = []
            for value in values:
                if value.isdigit() and int(value) in allowed and int(value) not in picked:
                    picked.append(int(value))
            if kind == QuestionKind.SINGLE:
                picked = picked[:1]
            picked_by[response.pk] = picked
            response.answered_at = now if picked else None
        elif kind == QuestionKind.MATCHING:
            pairs = _matching_pairs(response, values)
            response.text_answer = json.dumps(pairs, ensure_ascii=False) if pairs else ""
            response.answered_at = now if pairs else None
        else:
            text = values[0] if values else ""
            if kind == QuestionKind.TRUEFALSE and text not in ("true", "false"):
                text = ""
            response.text_answer = text[:20000]
            response.answered_at = now if text.strip() else None
    return picked_by


def _save_choices(picked_by: dict[int, list[int]], answered: Iterable[int] | None = None) -> None:
    """Replace the chosen choices of the responses in ``picked_by``: two statements at most.

    ``answered`` (when given) names the responses of ``picked_by`` that had an answer saved
    before: only those can have chosen choices to remove (a choice is saved with the answer's
    time, see ``_set_answers``), so a first answer to every question costs no DELETE."""
    if not picked_by:
        return
    stale = list(picked_by) if answered is None else [r for r in answered if r in picked_by]
    if stale:
        ResponseChoice.objects.filter(response_id__in=stale).delete()
    rows = [(rid, cid) for rid, picked in picked_by.items() for cid in picked]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql" and rows:
        # One statement of fixed text, the pairs as two arrays: prepared once per connection.
        with hot_sql.cursor(connection) as cursor:
            cursor.execute(
                "INSERT INTO {} ({}, {}) SELECT * FROM unnest(%b::{}[], %b::{}[])".format(
                    quote(ResponseChoice._meta.db_table),
                    quote("response_id"),
                    quote("choice_id"),
                    _column_type(ResponseChoice._meta.get_field("response")),
                    _column_type(ResponseChoice._meta.get_field("choice")),
                ),
                [[rid for rid, _cid in rows], [cid for _rid, cid in rows]],
            )
        return
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        # One plain INSERT (the ORM's bulk_create builds a model and compiles per call).
        sql = "INSERT INTO {} ({}, {}) VALUES {}".format(
            quote(ResponseChoice._meta.db_table),
            quote("response_id"),
            quote("choice_id"),
            ", ".join(["(%s, %s)"] * len(chunk)),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in chunk for value in row])


def _posted(sitting: Sitting, answers: Mapping[int, Iterable[str]], only=None) -> list[int]:
    return [int(k) for k in answers if only is None or int(k) in only]


def _apply_answers(
    sitting: Sitting, answers: Mapping[int, Iterable[str]], now, only=None
) -> list[Response]:
    """Store raw answers (response id -> submitted values) on unlocked responses."""
    ids = _posted(sitting, answers, only)
    if not ids:
        return []
    responses = list(Response.objects.filter(sitting=sitting, pk__in=ids, checked=False))
    answered_before = [r.pk for r in responses if r.answered_at is not None]
    _save_choices(_set_answers(responses, answers, now), answered_before)
    _update_responses(responses, ["text_answer", "answered_at"])
    return responses


def _matching_pairs(response: Response, values: list[str]) -> dict[str, str]:
    """Posted "item id:option number" values -> {item id: the answer picked}, known ones only."""
    items = set(response.choice_order)
    options = response.matching_options
    pairs: dict[str, str] = {}
    for value in values:
        item, _sep, option = value.partition(":")
        if item.isdigit() and int(item) in items and option.isdigit():
            if int(option) < len(options):
                pairs[item] = options[int(option)]
    return pairs


def response_save(*, sitting: Sitting, answers: Mapping[int, Iterable[str]], now=None) -> Sitting:
    """Save answers while the sitting is open and before its deadline; later answers are ignored.

    Returns the sitting (closed at its deadline if time ran out)."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(sitting)
        if locked.state != SittingState.IN_PROGRESS:
            return locked
        if locked.deadline and now > locked.deadline:
            return sitting_submit(sitting=locked, now=now)
        _apply_answers(locked, answers, now)
    return locked


def response_check(
    *, sitting: Sitting, response_id: int, answers: Mapping[int, Iterable[str]], now=None
) -> Response | None:
    """Feedback "each": save one answer, mark it, and lock it. Returns the marked response."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(sitting)
        if locked.state != SittingState.IN_PROGRESS or locked.feedback_mode != "each":
            return None
        if locked.deadline and now > locked.deadline:
            sitting_submit(sitting=locked, now=now)
            return None
        _apply_answers(locked, answers, now)
        response = Response.objects.filter(sitting=locked, pk=response_id, checked=False).first()
        if response is None or response.kind == QuestionKind.ESSAY:
            return None
        _mark_responses(locked, [response])
        response.checked = True
        response.save(update_fields=["checked", "score"])
        return response


class _Shown:
    """A choice as the attempt showed it, what marking reads of it (``Response.shown_choices``
    without building a model instance per choice)."""

    __slots__ = ("pk", "text", "fraction", "tolerance", "match")

    def __init__(self, c: dict):
        self.pk = c["id"]
        self.text = c["text"]
        self.fraction = Decimal(c["fraction"])
        self.tolerance = Decimal(c["tolerance"]) if "tolerance" in c else None
        self.match = c.get("match", "")


def _marking_choices(response: Response) -> dict[int, _Shown]:
    return {c["id"]: _Shown(c) for c in response.shown.get("choices", [])}


def _fraction_for(response: Response, chosen: list[int], partial: bool) -> Decimal | None:
    """The share of the points earned, by the question and choices as the attempt showed them."""
    choices = _marking_choices(response)
    kind = response.kind
    if kind == QuestionKind.ESSAY:
        return None
    if kind == QuestionKind.SINGLE:
        return max(
            (choices[c].fraction for c in chosen[:1] if c in choices), default=Decimal(0)
        ).max(Decimal(0))
    if kind == QuestionKind.MULTIPLE:
        shown = [choices[c] for c in response.choice_order if c in choices]
        right = {c.pk for c in shown if c.fraction > 0}
        if not partial:
            return ONE if set(chosen) == right else Decimal(0)
        total = sum((choices[c].fraction for c in chosen if c in choices), Decimal(0))
        if abs(total - ONE) < Decimal("0.001"):
            total = ONE
        return min(ONE, max(Decimal(0), total))
    if kind == QuestionKind.TRUEFALSE:
        if response.text_answer not in ("true", "false"):
            return Decimal(0)
        right = bool(response.shown["correct"])
        return ONE if (response.text_answer == "true") == right else Decimal(0)
    if kind == QuestionKind.SHORT:
        given = normalise_answer(response.text_answer)
        if not given:
            return Decimal(0)
        accepted = [c.fraction for c in choices.values() if normalise_answer(c.text) == given]
        return max(accepted, default=Decimal(0)).max(Decimal(0))
    if kind == QuestionKind.MATCHING:
        # A share per item paired right (Moodle's default); wrong pairs cost nothing.
        items = [choices[c] for c in response.choice_order if c in choices]
        if not items:
            return Decimal(0)
        picked = response.matching_answer()
        right = sum(1 for item in items if picked.get(item.pk) == item.match)
        return Decimal(right) / len(items)
    if kind == QuestionKind.NUMERICAL:
        given = parse_number(response.text_answer)
        if given is None:
            return Decimal(0)
        matched = [
            c.fraction
            for c in choices.values()
            if abs(given - Decimal(c.text)) <= (c.tolerance or 0)
        ]
        return max(matched, default=Decimal(0)).max(Decimal(0))
    return Decimal(0)


def _mark_responses(
    sitting: Sitting, responses: list[Response], chosen: dict[int, list[int]] | None = None
) -> None:
    """Automatic marking of ``responses`` (questions selected): sets score, not saved.

    ``chosen`` gives the chosen choice ids already known (response id -> ids); the others are
    read in one query."""
    if not responses:
        return
    chosen = dict(chosen or {})
    unknown = [
        r.pk
        for r in responses
        if r.pk not in chosen and r.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
    ]
    if unknown:
        for rid, cid in (
            ResponseChoice.objects.filter(response_id__in=unknown)
            .order_by("pk")
            .values_list("response_id", "choice_id")
        ):
            chosen.setdefault(rid, []).append(cid)
    for response in responses:
        fraction = _fraction_for(response, chosen.get(response.pk, []), sitting.quiz.partial_credit)
        response.score = (
            None if fraction is None else (response.points * fraction).quantize(CENT, ROUND_HALF_UP)
        )


def _finish(sitting: Sitting, responses: list[Response], now, also=()) -> None:
    """Totals, pass/fail and the signal, once every response has a score (one UPDATE, with the
    fields named in ``also`` set by the caller)."""
    score = sum((r.score or Decimal(0) for r in responses), Decimal(0))
    maximum = sum((r.points for r in responses), Decimal(0))
    sitting.score = score
    sitting.max_score = maximum
    sitting.percent = (
        (score * 100 / maximum).quantize(CENT, ROUND_HALF_UP) if maximum else Decimal(100)
    )
    sitting.passed = sitting.percent >= sitting.pass_mark
    sitting.state = SittingState.FINISHED
    sitting.finished_at = sitting.finished_at or now
    sitting.save(
        update_fields=[
            "score",
            "max_score",
            "percent",
            "passed",
            "state",
            "finished_at",
            *also,
        ]
    )
    sitting_finished.send(sender=Sitting, sitting=sitting)


def sitting_submit(
    *,
    sitting: Sitting,
    answers: Mapping[int, Iterable[str]] | None = None,
    now=None,
    all_answered: bool = False,
) -> Sitting:
    """Submit once: a second submit (double click, second tab) returns the same result.

    The row lock makes concurrent submits wait; the state check makes the later one a no-op.
    Past the deadline, the answers sent with the submit are ignored and the time recorded is
    the deadline. With ``all_answered``, a sitting left with unanswered questions is not
    submitted: the answers are saved and the sitting returned still open, its ``unanswered``
    attribute giving how many questions are left.

    One pass over the attempt: its responses are read once, the answers stored, marked and
    written back in one UPDATE, the sitting in another."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(sitting)
        if locked.state != SittingState.IN_PROGRESS:
            return locked
        late = bool(locked.deadline and now > locked.deadline)
        responses = compiled.fetch(
            "quizzes.sitting_responses",
            lambda pk: Response.objects.filter(sitting_id=pk),
            [locked.pk],
        )
        picked_by: dict[int, list[int]] = {}
        given: list[Response] = []
        if answers and not late:
            posted = set(_posted(locked, answers))
            given = [r for r in responses if r.pk in posted and not r.checked]
            answered_before = [r.pk for r in given if r.answered_at is not None]
            picked_by = _set_answers(given, answers, now)
            _save_choices(picked_by, answered_before)
        answer_fields = ["text_answer", "answered_at"] if given else []
        if all_answered and not late:
            locked.unanswered = sum(1 for r in responses if r.answered_at is None)
            if locked.unanswered:
                _update_responses(given, answer_fields)
                return locked
        locked.submitted_at = locked.deadline if late else now
        _mark_responses(locked, [r for r in responses if not r.checked], picked_by)
        _update_responses(responses, [*answer_fields, "score"])
        if any(r.score is None for r in responses):
            locked.state = SittingState.NEEDS_MARKING
            locked.score = sum((r.score for r in responses if r.score is not None), Decimal(0))
            locked.save(update_fields=["state", "submitted_at", "score"])
        else:
            _finish(locked, responses, now, also=["submitted_at"])
    return locked


def _score_value(response: Response, score) -> Decimal:
    try:
        value = Decimal(str(score)).quantize(CENT, ROUND_HALF_UP)
    except Exception as exc:  # noqa: BLE001 - any bad number is the same refusal
        raise QuizError(_("The score must be a number.")) from exc
    if value < 0 or value > response.points:
        raise QuizError(
            _("The score must be between 0 and %(points)s.") % {"points": response.points}
        )
    return value


def _refuse_own_work(sitting: Sitting, user) -> None:
    """Nobody marks or remarks their own attempt (TCVN ISO 9001:2015, 7.2 evidence)."""
    if user is not None and user.pk in (sitting.user_id, sitting.official.user_id):
        raise QuizError(_("You cannot mark or remark your own attempt."))


def response_mark(*, response: Response, user, score, comment: str = "", now=None) -> Response:
    """A trainer marks an essay; the sitting finishes when its last essay is marked."""
    now = _now(now)
    with transaction.atomic():
        sitting = _lock(response.sitting)
        _refuse_own_work(sitting, user)
        response = Response.objects.get(pk=response.pk)
        if sitting.state != SittingState.NEEDS_MARKING:
            raise QuizError(
                _("This attempt is not waiting for marking; use a remark to change a final score.")
            )
        if response.kind != QuestionKind.ESSAY:
            raise QuizError(_("Only essay answers are marked by hand."))
        response.score = _score_value(response, score)
        response.comment = comment
        response.marked_by = user
        response.marked_at = now
        response.save(update_fields=["score", "comment", "marked_by", "marked_at"])
        responses = list(Response.objects.filter(sitting=sitting))
        if all(r.score is not None for r in responses):
            _finish(sitting, responses, now)
        else:
            sitting.score = sum((r.score for r in responses if r.score is not None), Decimal(0))
            sitting.save(update_fields=["score"])
    return response


def response_remark(
    *, response: Response, user, score, reason: str, comment: str | None = None, now=None
) -> Remark:
    """Change a final score, recording who, when, why and the old and new score."""
    now = _now(now)
    if not (reason or "").strip():
        raise QuizError(_("Give the reason for the remark."))
    with transaction.atomic():
        sitting = _lock(response.sitting)
        _refuse_own_work(sitting, user)
        response = Response.objects.get(pk=response.pk)
        if sitting.state != SittingState.FINISHED:
            raise QuizError(_("Only final results can be remarked."))
        new = _score_value(response, score)
        remark = Remark.objects.create(
            response=response,
            by=user,
            reason=reason.strip(),
            old_score=response.score,
            new_score=new,
        )
        response.score = new
        response.marked_by = user
        response.marked_at = now
        fields = ["score", "marked_by", "marked_at"]
        if comment is not None:
            response.comment = comment
            fields.append("comment")
        response.save(update_fields=fields)
        _finish(sitting, list(Response.objects.filter(sitting=sitting)), now)
    return remark
