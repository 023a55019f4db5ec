"""content/quizzes/*.yaml -> quizzes and the question bank (a ContentSource for sync_content)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from lms.core.content import Change, ContentError

from . import definitions
from .formats.base import FormatError
from .formats.yaml_format import ParsedQuiz, parse_quiz_file
from .models import Question, Quiz, QuizDraw, QuizQuestion
from .services import category_for_path, questions_upsert

QUIZ_FIELDS = {
    "title": "title",
    "description": "description",
    "pass_mark": "pass_mark",
    "attempts_allowed": "attempts",
    "grading": "grading",
    "random_order": "random_order",
    "feedback_mode": "feedback",
    "review_shows": "review",
    "review_when": "review_when",
    "time_limit_minutes": "time_limit_minutes",
    "success_text": "success_text",
    "fail_text": "fail_text",
    "partial_credit": "partial_credit",
    "draft": "draft",
}


def _default_root() -> Path:
    return Path(settings.BASE_DIR) / "content" / "quizzes"


class QuizSource:
    """One YAML file per quiz; validate everything, then write quiz, questions and draw rules."""

    name = "quizzes"

    def __init__(self, root: Path | str | None = None, **kwargs):
        root = root or kwargs.get("folder") or kwargs.get("path")
        self.root = Path(root) if root else _default_root()
        self._parsed: list[ParsedQuiz] | None = None

    def files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted([*self.root.glob("*.yaml"), *self.root.glob("*.yml")])

    # -- validate -----------------------------------------------------------------------------

    def _parse(self) -> list[ParsedQuiz]:
        if self._parsed is not None:
            return self._parsed
        parsed: list[ParsedQuiz] = []
        for path in self.files():
            try:
                parsed.append(parse_quiz_file(path))
            except FormatError as exc:
                raise ContentError(exc.path, exc.line, exc.message) from exc
        self._check_across_files(parsed)
        self._parsed = parsed
        return parsed

    def _check_across_files(self, parsed: list[ParsedQuiz]) -> None:
        slugs: dict[str, str] = {}
        keys: dict[str, str] = {}
        for quiz in parsed:
            if quiz.slug in slugs:
                raise ContentError(
                    quiz.path, 1, f"duplicate quiz slug {quiz.slug!r} (also in {slugs[quiz.slug]})"
                )
            slugs[quiz.slug] = quiz.path
            for q in quiz.questions:
                if q.key in keys:
                    raise ContentError(
                        quiz.path,
                        q.line,
                        f"duplicate question id {q.key!r} (also in {keys[q.key]})",
                    )
                keys[q.key] = f"{quiz.path}:{q.line}"
        file_questions = [(q.category or "", q.key) for quiz in parsed for q in quiz.questions]
        for quiz in parsed:
            for draw in quiz.draw:
                in_files = {
                    key
                    for path, key in file_questions
                    if path == draw.category or path.startswith(draw.category + "/")
                }
                in_db = set(
                    Question.objects.filter(
                        Q(category__path=draw.category)
                        | Q(category__path__startswith=draw.category + "/")
                    )
                    .exclude(key__in=set(keys))
                    .values_list("pk", flat=True)
                )
                available = len(in_files) + len(in_db)
                if available == 0:
                    raise ContentError(
                        quiz.path,
                        draw.line,
                        f"draw category {draw.category!r} is unknown or has no questions",
                    )
                explicit = sum(1 for q in quiz.questions if q.category == draw.category)
                if available - explicit < draw.count:
                    raise ContentError(
                        quiz.path,
                        draw.line,
                        f"draw asks for {draw.count} questions from {draw.category!r},"
                        f" which has {available - explicit}"
                        " besides this quiz's own questions",
                    )

    def validate(self) -> None:
        self._parsed = None
        self._parse()

    # -- plan / apply -------------------------------------------------------------------------

    def plan(self, *, force: bool = False) -> list[Change]:
        changes = []
        existing = {
            q.slug: q.source_hash
            for q in Quiz.objects.filter(slug__in=[p.slug for p in self._parse()])
        }
        for parsed in self._parse():
            if parsed.slug not in existing:
                changes.append(
                    Change("create", f"quiz {parsed.slug}", f"{len(parsed.questions)} questions")
                )
            elif force or existing[parsed.slug] != parsed.digest:
                changes.append(
                    Change("update", f"quiz {parsed.slug}", f"{len(parsed.questions)} questions")
                )
        return changes

    def apply(self, *, force: bool = False) -> list[Change]:
        changes = self.plan(force=force)
        todo = {c.target.removeprefix("quiz ") for c in changes}
        with transaction.atomic():
            for parsed in self._parse():
                if parsed.slug in todo:
                    self._write(parsed)
        return changes

    def _write(self, parsed: ParsedQuiz) -> Quiz:
        source = self._relative(parsed.path)
        try:
            rows, _counts = questions_upsert(
                questions=parsed.questions, default_category=parsed.category, source=source
            )
        except FormatError as exc:
            raise ContentError(exc.path, exc.line, exc.message) from exc
        quiz = Quiz.objects.filter(slug=parsed.slug).first() or Quiz(slug=parsed.slug)
        for field, attr in QUIZ_FIELDS.items():
            setattr(quiz, field, getattr(parsed, attr))
        quiz.source_path = source
        quiz.source_hash = parsed.digest
        quiz.save()
        QuizQuestion.objects.filter(quiz=quiz).delete()
        QuizQuestion.objects.bulk_create(
            QuizQuestion(quiz=quiz, question=q, order=i) for i, q in enumerate(rows)
        )
        QuizDraw.objects.filter(quiz=quiz).delete()
        cache: dict = {}
        QuizDraw.objects.bulk_create(
            QuizDraw(
                quiz=quiz, category=category_for_path(d.category, cache), count=d.count, order=i
            )
            for i, d in enumerate(parsed.draw)
        )
        definitions.bank_changed()  # bulk inserts send no signal
        return quiz

    def _relative(self, path: str) -> str:
        try:
            return str(Path(path).resolve().relative_to(Path(settings.BASE_DIR).resolve()))
        except ValueError:
            return str(path)
