"""Reads of the quiz engine: results, attempts, breakdowns, marking queue, item analysis."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Max, Q, QuerySet, Sum

from lms.core import compiled
from lms.core.access import has_role, scope_q
from lms.core.models import Role

from .models import (
    SHOWN_FIELDS,
    Grading,
    Question,
    QuestionKind,
    Quiz,
    Response,
    ResponseChoice,
    ReviewShows,
    ReviewWhen,
    Sitting,
    SittingState,
)

CENT = Decimal("0.01")


def visible_quizzes(user) -> QuerySet[Quiz]:
    """Published quizzes, plus drafts for editors."""
    qs = Quiz.objects.all()
    if not has_role(user, Role.EDITOR):
        qs = qs.filter(draft=False)
    return qs


def sittings_of(*, official, quiz: Quiz | None = None) -> QuerySet[Sitting]:
    qs = Sitting.objects.filter(official=official).select_related("quiz")
    if quiz is not None:
        qs = qs.filter(quiz=quiz)
    return qs.order_by("-attempt")


def my_sittings(*, user, quiz: Quiz) -> tuple[object | None, list[Sitting]]:
    """The user's official record and their sittings at ``quiz`` (newest attempt first, each
    carrying the quiz and the official): one query, a second one for the official only when
    there is no sitting yet."""
    sittings = compiled.fetch(
        "quizzes.my_sittings",
        lambda user_pk, quiz_pk: Sitting.objects.filter(official__user_id=user_pk, quiz_id=quiz_pk)
        .select_related("official")
        .order_by("-attempt"),
        [user.pk, quiz.pk],
    )
    if sittings:
        official = sittings[0].official
    else:
        from lms.agencies.selectors import official_for_user

        official = official_for_user(user)
    for sitting in sittings:
        sitting.quiz = quiz
        sitting.official = official
    return official, sittings


def result_sitting(*, official, quiz: Quiz) -> Sitting | None:
    """The finished sitting that counts, by the quiz's grading rule (highest or last)."""
    finished = Sitting.objects.filter(official=official, quiz=quiz, state=SittingState.FINISHED)
    if quiz.grading == Grading.LAST:
        return finished.order_by("-attempt").first()
    return finished.order_by(F("percent").desc(nulls_last=True), "-attempt").first()


def result_of(sittings: Iterable[Sitting], *, quiz: Quiz) -> Sitting | None:
    """``result_sitting`` among sittings already read (all of one official's at ``quiz``)."""
    finished = [s for s in sittings if s.state == SittingState.FINISHED]
    if not finished:
        return None
    if quiz.grading == Grading.LAST:
        return max(finished, key=lambda s: s.attempt)
    return max(
        finished,
        key=lambda s: (s.percent is not None, s.percent or 0, s.attempt),
    )


def review_level(*, sitting: Sitting, viewer_is_owner: bool, now=None) -> str:
    """What a result page shows of ``sitting``: a ReviewShows value.

    The learner sees the quiz's chosen review once its moment has come (immediately, after
    their last attempt, after the close date), the score only before. Trainers, secretaries
    and markers looking at someone else's attempt always see the full review."""
    quiz = sitting.quiz
    if not viewer_is_owner:
        return ReviewShows.FULL
    if quiz.review_when == ReviewWhen.IMMEDIATELY:
        ready = True
    elif quiz.is_closed(now):
        ready = True
    elif quiz.review_when == ReviewWhen.LAST_ATTEMPT and quiz.attempts_allowed:
        counts = Sitting.objects.filter(quiz=quiz, official_id=sitting.official_id).aggregate(
            used=Count("pk"), open=Count("pk", filter=Q(state=SittingState.IN_PROGRESS))
        )
        ready = counts["used"] >= quiz.attempts_allowed and not counts["open"]
    else:
        ready = False
    return quiz.review_shows if ready else ReviewShows.SCORE


def quiz_passed(*, official, quiz: Quiz) -> bool:
    """Has the official passed the quiz (by its grading rule)?"""
    if official is None:
        return False
    sitting = result_sitting(official=official, quiz=quiz)
    return bool(sitting and sitting.passed)


def results_for(*, quiz: Quiz, official_ids: Iterable[int]) -> dict[int, Decimal | None]:
    """Official id -> percent that counts (highest or last attempt), None if none: one query."""
    ids = list(official_ids)
    results: dict[int, Decimal | None] = dict.fromkeys(ids)
    finished = Sitting.objects.filter(quiz=quiz, official_id__in=ids, state=SittingState.FINISHED)
    if quiz.grading == Grading.LAST:
        for official_id, percent in finished.order_by("official_id", "-attempt").values_list(
            "official_id", "percent"
        ):
            if results[official_id] is None:
                results[official_id] = percent
    else:
        for row in finished.values("official_id").annotate(best=Max("percent")):
            results[row["official_id"]] = row["best"]
    return results


def first_results(
    *, quiz: Quiz, official_ids: Iterable[int], start=None, end=None
) -> dict[int, Decimal | None]:
    """Official id -> percent of their FIRST attempt started in [start, end] (None when that
    attempt is not finished or there is none): a pre-test measures what people knew before,
    whatever the quiz's grading rule and whatever they did later. One query."""
    ids = list(official_ids)
    results: dict[int, Decimal | None] = dict.fromkeys(ids)
    sittings = Sitting.objects.filter(quiz=quiz, official_id__in=ids)
    if start is not None:
        sittings = sittings.filter(started_at__gte=start)
    if end is not None:
        sittings = sittings.filter(started_at__lte=end)
    seen: set[int] = set()
    for official_id, state, percent in sittings.order_by(
        "official_id", "started_at", "attempt"
    ).values_list("official_id", "state", "percent"):
        if official_id in seen:
            continue
        seen.add(official_id)
        results[official_id] = percent if state == SittingState.FINISHED else None
    return results


def attempts_left(*, quiz: Quiz, official) -> int | None:
    """None = unlimited."""
    if not quiz.attempts_allowed:
        return None
    used = Sitting.objects.filter(quiz=quiz, official=official).count() if official else 0
    return max(0, quiz.attempts_allowed - used)


def unanswered_count(sitting: Sitting) -> int:
    """How many questions of the attempt have no saved answer (one query)."""
    return Response.objects.filter(sitting=sitting, answered_at__isnull=True).count()


def sitting_responses(sitting: Sitting) -> list[Response]:
    """The attempt's responses in order, with the question and choices it showed: 2 queries."""
    # The pages show the question as the attempt froze it (Response.shown): the bank row is
    # not read, each response carries a light copy built from its snapshot.
    responses = compiled.fetch(
        "quizzes.result_responses",
        lambda pk: Response.objects.filter(sitting_id=pk).order_by("order", "pk"),
        [sitting.pk],
    )
    ids = [r.pk for r in responses]
    chosen: dict[int, set[int]] = defaultdict(set)
    for rid, cid in ResponseChoice.objects.filter(response_id__in=ids).values_list(
        "response_id", "choice_id"
    ):
        chosen[rid].add(cid)
    for r in responses:
        r.sitting = sitting  # the rules read the sitting (and its official) of a response
        response_as_shown(r, chosen.get(r.pk, set()))
    return responses


def response_as_shown(r: Response, chosen_ids: set[int]) -> None:
    """Give a response a light copy of its question and its choices as the attempt showed them
    (from its snapshot), each marked picked or not: what the review templates read."""
    r.question = Question(
        pk=r.question_id,
        points=r.points,
        **{name: r.shown.get(name, "") for name in SHOWN_FIELDS},
    )
    choices = r.shown_choices()
    r.chosen_ids = chosen_ids
    r.ordered_choices = [choices[c] for c in r.choice_order if c in choices]
    for choice in r.ordered_choices:
        choice.picked = choice.pk in r.chosen_ids
    if r.kind == QuestionKind.MATCHING:
        pairs = r.matching_answer()
        r.options = list(enumerate(r.matching_options))
        for choice in r.ordered_choices:
            choice.picked_match = pairs.get(choice.pk, "")


def accepted_answers(responses: list[Response]) -> dict[int, list[str]]:
    """Question id -> short answers the attempt accepted (shown after submission). No query."""

    def label(c) -> str:
        text = f"{c.text} ± {c.tolerance.normalize():f}" if c.tolerance else c.text
        return text if c.fraction >= 1 else f"{text} ({round(c.fraction * 100)}%)"

    return {
        r.question_id: [label(c) for c in r.shown_choices().values() if c.fraction > 0]
        for r in responses
        if r.kind in (QuestionKind.SHORT, QuestionKind.NUMERICAL)
    }


def _percent(score, maximum) -> Decimal | None:
    if not maximum:
        return None
    return (Decimal(score or 0) * 100 / Decimal(maximum)).quantize(CENT, ROUND_HALF_UP)


def breakdown(responses_qs: QuerySet[Response]) -> dict[str, list[dict]]:
    """Score per category and per ISO clause over ``responses_qs`` (marked rows only): 2 queries."""
    marked = responses_qs.filter(score__isnull=False)
    by_category = [
        {
            "label": row["question__category__path"] or "—",
            "score": row["got"],
            "max": row["max"],
            "count": row["n"],
            "percent": _percent(row["got"], row["max"]),
        }
        for row in marked.values("question__category__path")
        .annotate(got=Sum("score"), max=Sum("points"), n=Count("pk"))
        .order_by("question__category__path")
    ]
    by_clause = [
        {
            "label": row["question__clauses__number"],
            "score": row["got"],
            "max": row["max"],
            "count": row["n"],
            "percent": _percent(row["got"], row["max"]),
        }
        for row in marked.filter(question__clauses__isnull=False)
        .values("question__clauses__number")
        .annotate(got=Sum("score"), max=Sum("points"), n=Count("pk"))
        .order_by("question__clauses__number")
    ]
    by_clause.sort(key=lambda row: clause_sort_key(row["label"]))
    return {"categories": by_category, "clauses": by_clause}


def clause_sort_key(number: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 10_000 for p in (number or "").split("."))


def my_results(official) -> dict:
    """Everything on "my results": attempts, and progress by category and clause (fixed queries)."""
    sittings = list(
        Sitting.objects.filter(official=official)
        .select_related("quiz")
        .order_by("-started_at", "-pk")
    )
    final = Response.objects.filter(
        sitting__official=official, sitting__state=SittingState.FINISHED
    )
    return {"sittings": sittings, **breakdown(final)}


def marking_queue(user) -> QuerySet[Response]:
    """Essay answers waiting for a mark, of sittings in the user's trainer scope (admins: all).

    The user's own attempts are left out: nobody marks their own work."""
    qs = Response.objects.filter(
        sitting__state=SittingState.NEEDS_MARKING,
        shown__kind=QuestionKind.ESSAY,
        score__isnull=True,
    ).exclude(Q(sitting__official__user=user) | Q(sitting__user=user))
    qs = qs.filter(scope_q(user, Role.TRAINER, field="sitting__agency"))
    return qs.select_related(
        "sitting__quiz", "sitting__official", "sitting__agency", "question"
    ).order_by("sitting__submitted_at", "pk")


def analysis_sittings(user, quiz: Quiz) -> QuerySet[Sitting]:
    """Finished sittings of ``quiz`` the user may analyse: editors all, trainers their scope."""
    qs = Sitting.objects.filter(quiz=quiz, state=SittingState.FINISHED)
    if not has_role(user, Role.EDITOR):
        qs = qs.filter(scope_q(user, Role.TRAINER, Role.ISO_SECRETARY))
    return qs


def item_analysis(*, user, quiz: Quiz, weak_below: int = 60) -> dict:
    """Per question facility and discrimination (upper vs lower 27 %), choice counts, per clause.

    Aggregates in SQL: one query for the ranking, one per-question aggregate for all sittings
    and one for each group, one for choice counts, one for the clause breakdown, and the
    question/choice texts: a fixed number whatever the number of sittings.
    """
    sittings = analysis_sittings(user, quiz)
    ranked = list(
        sittings.order_by(F("percent").desc(nulls_last=True), "pk").values_list("pk", flat=True)
    )
    n = len(ranked)
    group = max(1, round(n * 0.27)) if n else 0
    upper, lower = ranked[:group], ranked[-group:] if group else []
    responses = Response.objects.filter(sitting__in=sittings, score__isnull=False)

    def per_question(qs):
        return {
            row["question_id"]: row
            for row in qs.values("question_id").annotate(
                got=Sum("score"), max=Sum("points"), n=Count("pk")
            )
        }

    overall = per_question(responses)
    top = per_question(responses.filter(sitting_id__in=upper)) if n >= 2 else {}
    bottom = per_question(responses.filter(sitting_id__in=lower)) if n >= 2 else {}
    counts = {
        row["choice_id"]: row["n"]
        for row in ResponseChoice.objects.filter(response__sitting__in=sittings)
        .values("choice_id")
        .annotate(n=Count("pk"))
    }
    # Matching: how often each item was paired right, by the key the attempt was marked against.
    paired: dict[int, int] = defaultdict(int)
    for answer, shown in responses.filter(shown__kind=QuestionKind.MATCHING).values_list(
        "text_answer", "shown"
    ):
        response = Response(text_answer=answer, shown=shown)
        picked = response.matching_answer()
        for choice in response.shown_choices().values():
            if choice.text and picked.get(choice.pk) == choice.match:
                paired[choice.pk] += 1
    questions = {
        q.pk: q for q in Question.objects.filter(pk__in=list(overall)).prefetch_related("choices")
    }
    rows = []
    for qid, row in overall.items():
        question = questions[qid]
        facility = _ratio(row["got"], row["max"])
        discrimination = None
        if qid in top and qid in bottom:
            hi, lo = (
                _ratio(top[qid]["got"], top[qid]["max"]),
                _ratio(bottom[qid]["got"], bottom[qid]["max"]),
            )
            if hi is not None and lo is not None:
                discrimination = (hi - lo).quantize(CENT)
        tally = paired if question.kind == QuestionKind.MATCHING else counts
        choices = [
            {
                "choice": c,
                "count": tally.get(c.pk, 0),
                "share": _ratio(tally.get(c.pk, 0), row["n"]),
            }
            for c in question.choices.all()
            if c.text or question.kind != QuestionKind.MATCHING
        ]
        rows.append(
            {
                "question": question,
                "answered": row["n"],
                "facility": facility,
                "discrimination": discrimination,
                "choices": choices,
                "flag": (
                    facility is not None
                    and (facility < Decimal("0.2") or facility > Decimal("0.95"))
                )
                or (discrimination is not None and discrimination < Decimal("0.2")),
            }
        )
    rows.sort(key=lambda r: (r["question"].category_id or 0, r["question"].key, r["question"].pk))
    parts = breakdown(responses)
    for row in parts["clauses"]:
        row["weak"] = row["percent"] is not None and row["percent"] < weak_below
    for row in parts["categories"]:
        row["weak"] = row["percent"] is not None and row["percent"] < weak_below
    return {
        "sittings": n,
        "group_size": group,
        "questions": rows,
        "weak_below": weak_below,
        **parts,
    }


def _ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)
