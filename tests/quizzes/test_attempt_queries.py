"""A whole attempt at a 20-question quiz costs a fixed, small number of queries per request,
and the one-pass submit still marks every kind of question right."""

from decimal import Decimal

import pytest
from django.urls import reverse

from lms.quizzes import definitions
from lms.quizzes.models import (
    Choice,
    HistoricalSitting,
    Question,
    ResponseChoice,
    Sitting,
    SittingState,
)
from tests.factories.quizzes import CategoryFactory, QuizFactory, add_draw, make_question

# Queries per request (SQLite, inside the test's transaction: savepoints count too). The first
# attempt at a quiz in a process reads the quiz, its plan and questions (lms/quizzes/definitions.py)
# and whether it ends a course; later attempts read none of them.
FIRST = {"detail": 7, "start": 8, "page": 2, "submit": 9, "result": 5}
LATER = {"detail": 1, "start": 6, "page": 2, "submit": 9, "result": 5}


def _quiz(draws: int):
    """12 questions of every kind placed in the quiz, then `draws` draws sharing 8 more."""
    quiz = QuizFactory(pass_mark=50)
    for i in range(6):
        make_question("single", quiz=quiz, order=i)
    for i in range(2):
        make_question(
            "multiple", quiz=quiz, order=10 + i, choices=[("A", 0.5), ("B", 0.5), ("C", -0.5)]
        )
    make_question("truefalse", quiz=quiz, order=20, correct=True)
    short = make_question("short", quiz=quiz, order=21, answers=["PDCA"])
    Choice.objects.create(question=short, text="PDC", fraction=Decimal("0.5"), order=1)
    for order, (value, tolerance) in enumerate([("2015", "0"), ("3.5", "0.1")]):
        numerical = make_question("numerical", quiz=quiz, order=30 + order)
        Choice.objects.create(
            question=numerical, text=value, fraction=1, tolerance=Decimal(tolerance)
        )
    for d in range(draws):
        category = CategoryFactory(path=f"Ngân hàng/Phần {d}")
        for _ in range(5):
            make_question("single", category=category)
        add_draw(quiz, category, 8 // draws)
    return quiz


def _answers(sitting: Sitting) -> dict:
    """Right answers except: one multiple-response half wrong, the short answer half right."""
    data = {"present": []}
    multiple_seen = 0
    for r in sitting.responses.order_by("order"):
        data["present"].append(str(r.pk))
        shown = r.shown_choices()
        if r.kind == "single":
            data[f"r{r.pk}"] = [str(next(c for c in shown.values() if c.fraction == 1).pk)]
        elif r.kind == "multiple":
            by_text = {c.text: str(c.pk) for c in shown.values()}
            pair = ("A", "B") if multiple_seen == 0 else ("A", "C")  # 1 point, then 0
            data[f"r{r.pk}"] = [by_text[t] for t in pair]
            multiple_seen += 1
        elif r.kind == "truefalse":
            data[f"r{r.pk}"] = ["true"]
        elif r.kind == "short":
            data[f"r{r.pk}"] = ["pdc"]  # the half-credit answer, case folded
        elif r.kind == "numerical":
            data[f"r{r.pk}"] = ["2015" if "2015" in by_value(shown) else "3,45"]
    return data


def by_value(shown) -> set[str]:
    return {c.text for c in shown.values()}


@pytest.mark.parametrize("draws", [2, 4])
def test_each_step_of_an_attempt_has_a_fixed_query_count(
    client, learner, django_assert_max_num_queries, draws
):
    quiz = _quiz(draws)
    client.force_login(learner)
    client.get(reverse("quizzes:quiz_list"))  # the user is cached from the first request on
    _attempt(client, quiz, FIRST, django_assert_max_num_queries)
    # Earlier attempts showed every question of the bank: none is read again.
    definitions.question_copies(list(Question.objects.values_list("pk", flat=True)))
    sitting = _attempt(client, quiz, LATER, django_assert_max_num_queries)
    assert Sitting.objects.filter(quiz=quiz, state=SittingState.FINISHED).count() == 2

    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED and sitting.submitted_at is not None
    # 6 single + 1 + 0 multiple + true/false + half the short answer + 2 numerical + 8 drawn.
    assert sitting.score == Decimal("18.50") and sitting.percent == Decimal("92.50")
    assert sitting.passed is True
    scores = {r.kind: [] for r in sitting.responses.all()}
    for r in sitting.responses.order_by("order"):
        scores[r.kind].append(r.score)
    assert scores["multiple"] == [Decimal("1.00"), Decimal("0.00")]
    assert scores["short"] == [Decimal("0.50")] and scores["numerical"] == [1, 1]
    assert ResponseChoice.objects.filter(response__sitting=sitting).count() == 6 + 4 + 8
    # One history row for the start and one for the submission, which finished it.
    assert [h.state for h in HistoricalSitting.objects.filter(id=sitting.pk)] == [
        SittingState.FINISHED,
        SittingState.IN_PROGRESS,
    ]


def _attempt(client, quiz, ceilings, django_assert_max_num_queries) -> Sitting:
    """One whole attempt, each request within its ceiling."""
    with django_assert_max_num_queries(ceilings["detail"]):
        assert client.get(reverse("quizzes:quiz_detail", args=[quiz.slug])).status_code == 200
    with django_assert_max_num_queries(ceilings["start"]):
        started = client.post(reverse("quizzes:sitting_start", args=[quiz.slug]))
    sitting = Sitting.objects.get(quiz=quiz, state=SittingState.IN_PROGRESS)
    assert started["Location"] == reverse("quizzes:sitting", args=[sitting.pk])
    assert sitting.responses.count() == 20 and sitting.max_score == 20
    assert all(r.shown["text"] for r in sitting.responses.all())  # each keeps its question
    assert HistoricalSitting.objects.filter(id=sitting.pk).count() == 1
    with django_assert_max_num_queries(ceilings["page"]):
        assert client.get(started["Location"]).status_code == 200
    data = _answers(sitting)
    with django_assert_max_num_queries(ceilings["submit"]):
        submitted = client.post(reverse("quizzes:sitting_submit", args=[sitting.pk]), data)
    assert submitted["Location"] == reverse("quizzes:sitting_result", args=[sitting.pk])
    with django_assert_max_num_queries(ceilings["result"]):
        assert client.get(submitted["Location"]).status_code == 200
    return sitting


def test_submit_without_confirmation_saves_and_counts_what_is_left(client, learner):
    quiz = _quiz(2)
    client.force_login(learner)
    client.post(reverse("quizzes:sitting_start", args=[quiz.slug]))
    sitting = Sitting.objects.get(quiz=quiz)
    data = _answers(sitting)
    for key in [k for k in data if k != "present"][:3]:
        del data[key]
    page = client.post(reverse("quizzes:sitting_submit", args=[sitting.pk]), data)
    assert page.status_code == 200 and page.context["unanswered"] == 3
    sitting.refresh_from_db()
    assert sitting.state == SittingState.IN_PROGRESS
    assert sitting.responses.filter(answered_at__isnull=False).count() == 17
    done = client.post(reverse("quizzes:sitting_submit", args=[sitting.pk]), {"confirm": "1"})
    assert done["Location"] == reverse("quizzes:sitting_result", args=[sitting.pk])
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED
    assert sitting.responses.filter(answered_at__isnull=False).count() == 17
