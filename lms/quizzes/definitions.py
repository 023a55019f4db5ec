"""What starting an attempt reads of a quiz and its bank, kept in each process between attempts.

Every attempt at a quiz draws from the same definition: the quiz's own questions, its draws and
the bank rows they draw from, and each question as an attempt shows it (``question_snapshot``).
Reading them costs five queries per start; they change rarely (an edit, an import), so each
process keeps what it read, stamped with the bank's generation.

Invariants (tests/quizzes/test_definitions.py):

- The bank's generation (lms/core/generation.py) changes with every saved or deleted question,
  choice, category, quiz, quiz question or draw (receivers connected in apps.py), and with the
  writes that send no signal: the question import and the quiz sync call ``bank_changed``
  themselves for their queryset updates and bulk inserts.
- A plan, a question copy or a quiz (``quiz_by_slug``, a copy per caller) is used only under the
  generation it was read under: a queryset ``update()`` of quizzes calls ``bank_changed`` too.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from lms.core.generation import Generation

from .models import Choice, Question, Quiz, matching_options, question_snapshot

BANK = Generation("quizzes:bank:generation")
# Plans and questions kept per process; past it they are dropped and read again as needed.
MAX_KEPT = 5000


@dataclass(frozen=True)
class QuizPlan:
    """A quiz's own questions in order, its draws (category path, count) and the bank rows
    (question id, category path) under any draw's category, in the database's order."""

    fixed: tuple[int, ...]
    draws: tuple[tuple[str, int], ...]
    bank: tuple[tuple[int, str], ...]

    @property
    def question_count(self) -> int:
        """Questions an attempt asks (a draw from a smaller pool asks fewer)."""
        return len(self.fixed) + sum(count for _path, count in self.draws)

    def draw(self, rng: random.Random) -> list[int]:
        """The quiz's own questions, then each draw's random pick from questions not yet in."""
        ids = list(self.fixed)
        chosen = set(ids)
        for path, count in self.draws:
            pool = [
                pk
                for pk, cat in self.bank
                if pk not in chosen and (cat == path or cat.startswith(path + "/"))
            ]
            picked = rng.sample(pool, min(count, len(pool)))
            ids.extend(picked)
            chosen.update(picked)
        return ids


@dataclass(frozen=True)
class QuestionCopy:
    """A question as an attempt starting now shows it; ``shown`` is shared, never changed."""

    kind: str
    points: Decimal
    shuffle_choices: bool
    choice_ids: tuple[int, ...]
    # Matching: the items (choices with a text) and the answers offered, in the question's order.
    item_ids: tuple[int, ...]
    options: tuple[str, ...]
    shown: dict
    # ``shown`` as the JSON a Response stores (the encoding a JSONField without encoder writes).
    shown_json: str = field(default="", compare=False)


def generation() -> str:
    """The bank's current generation (one cache read)."""
    return BANK.token()


def bank_changed(**_kwargs) -> None:
    """Signal receiver, also called by writes that send no signal."""
    BANK.changed()


def quiz_by_slug(slug: str, token: str | None = None) -> Quiz | None:
    """The quiz at ``slug`` (a copy of this process's, read once under the generation: a
    saved or deleted quiz changes it), or None. The copy carries the generation it was read
    under (``bank_token``), for the plan and the start that follow in the same request."""
    token = token if token is not None else generation()
    kept = BANK.kept(("slug", slug), token)
    if kept is None:
        kept = Quiz.objects.filter(slug=slug).first()
        if kept is None:
            return None
        BANK.keep(("slug", slug), token, kept, MAX_KEPT)
    quiz = copy.copy(kept)
    quiz.bank_token = token
    return quiz


def quiz_plan(quiz: Quiz, token: str | None = None) -> QuizPlan:
    """The quiz's plan: none, or three queries when this process has not read it under the
    current generation."""
    token = token if token is not None else getattr(quiz, "bank_token", None) or generation()
    kept = BANK.kept(("plan", quiz.pk), token)
    if kept is not None:
        return kept
    fixed = tuple(quiz.quiz_questions.order_by("order", "pk").values_list("question_id", flat=True))
    draws = tuple(quiz.draws.order_by("order", "pk").values_list("category__path", "count"))
    bank: tuple[tuple[int, str], ...] = ()
    if draws:
        where = Q()
        for path, _count in draws:
            where |= Q(category__path=path) | Q(category__path__startswith=path + "/")
        bank = tuple(Question.objects.filter(where).values_list("pk", "category__path"))
    plan = QuizPlan(fixed=fixed, draws=draws, bank=bank)
    BANK.keep(("plan", quiz.pk), token, plan, MAX_KEPT)
    return plan


def question_copies(ids: list[int], token: str | None = None) -> dict[int, QuestionCopy]:
    """Question id -> its copy: the questions this process has not read under the current
    generation cost two queries (the rows, their active choices)."""
    token = token if token is not None else generation()
    found: dict[int, QuestionCopy] = {}
    missing = []
    for pk in ids:
        kept = BANK.kept(("question", pk), token)
        if kept is not None:
            found[pk] = kept
        else:
            missing.append(pk)
    if not missing:
        return found
    questions = Question.objects.in_bulk(missing)
    choices: dict[int, list[Choice]] = {}
    for choice in Choice.objects.filter(question_id__in=missing, active=True).order_by(
        "order", "pk"
    ):
        choices.setdefault(choice.question_id, []).append(choice)
    read = {}
    for pk, question in questions.items():
        mine = choices.get(pk, [])
        shown = question_snapshot(question, mine)
        read[pk] = QuestionCopy(
            kind=question.kind,
            points=question.points,
            shuffle_choices=question.shuffle_choices,
            choice_ids=tuple(c.pk for c in mine),
            item_ids=tuple(c.pk for c in mine if c.text),
            options=tuple(matching_options(mine)),
            shown=shown,
            shown_json=json.dumps(shown),
        )
    for pk, question_copy in read.items():
        BANK.keep(("question", pk), token, question_copy, MAX_KEPT)
    found.update(read)
    return found
