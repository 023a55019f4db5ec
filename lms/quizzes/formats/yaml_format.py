"""Quiz files in YAML (content/quizzes/<slug>.yaml): parse into a ParsedQuiz, naming path:line.

The format is described in the README ("Quiz files"). Parsing never touches the database.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from .base import KINDS, TEXT_FORMATS, FormatError, ParsedChoice, ParsedQuestion

QUIZ_KEYS = {
    "slug",
    "title",
    "description",
    "category",
    "pass_mark",
    "attempts",
    "grading",
    "random_order",
    "feedback",
    "review",
    "review_when",
    "time_limit_minutes",
    "success_text",
    "fail_text",
    "partial_credit",
    "draft",
    "draw",
    "questions",
}
QUESTION_KEYS = {
    "id",
    "kind",
    "name",
    "clauses",
    "tags",
    "text",
    "format",
    "choices",
    "answer",
    "answers",
    "explanation",
    "points",
    "category",
    "shuffle",
}
CHOICE_KEYS = {"text", "correct", "feedback"}
# Quiz URLs live at /quizzes/<slug>/: these names are taken by other pages.
RESERVED_SLUGS = {"my-results", "marking", "responses", "sittings"}
# Matching questions come from GIFT or Moodle XML; quiz files have no syntax for their pairs.
YAML_KINDS = tuple(kind for kind in KINDS if kind != "matching")


class _Map(dict):
    """A mapping that remembers its own line and the line of each key's value."""

    line: int = 0
    key_lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader, node):
    data = _Map()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    seen = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = value_node.start_mark.line + 1


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load_yaml(path: Path | str, text: str | None = None):
    """Load a YAML file with line numbers kept; YAML errors become FormatError(path, line)."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(path, None, f"not UTF-8 text ({exc.reason})") from exc
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark else None
        raise FormatError(path, line, f"invalid YAML: {problem}") from exc


@dataclass
class ParsedDraw:
    category: str
    count: int
    line: int | None = None


@dataclass
class ParsedQuiz:
    path: str
    slug: str
    title: str
    pass_mark: int
    description: str = ""
    category: str = ""
    attempts: int = 0
    grading: str = "highest"
    random_order: bool = False
    feedback: str = "end"
    review: str = "full"
    review_when: str = "last_attempt"
    time_limit_minutes: int | None = None
    success_text: str = ""
    fail_text: str = ""
    partial_credit: bool = True
    draft: bool = False
    draw: list[ParsedDraw] = field(default_factory=list)
    questions: list[ParsedQuestion] = field(default_factory=list)
    line: int | None = 1
    digest: str = ""  # hash of the parsed content: unchanged file, unchanged digest


class _Reader:
    """Typed access to a mapping with errors that name path and line."""

    def __init__(self, path: Path, data: _Map, allowed: set[str], what: str):
        self.path = path
        self.data = data
        if not isinstance(data, dict):
            raise FormatError(path, getattr(data, "line", None), f"{what} must be a mapping")
        for key in data:
            if key not in allowed:
                raise FormatError(path, self.line(key), f"unknown key {key!r} in {what}")

    def line(self, key: str | None = None) -> int | None:
        if key is not None and key in getattr(self.data, "key_lines", {}):
            return self.data.key_lines[key]
        return getattr(self.data, "line", None)

    def error(self, key: str | None, message: str) -> FormatError:
        return FormatError(self.path, self.line(key), message)

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        if not self.has(key):
            if required:
                raise self.error(None, f"missing {key!r}")
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(key, f"{key!r} must be text")
        value = str(value).strip()
        if required and not value:
            raise self.error(key, f"{key!r} must not be empty")
        return value

    def boolean(self, key: str, default: bool | None = None, *, required: bool = False):
        if not self.has(key):
            if required:
                raise self.error(None, f"missing {key!r}")
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            raise self.error(key, f"{key!r} must be true or false")
        return value

    def integer(
        self, key: str, *, default=None, low: int = 0, high: int | None = None, required=False
    ):
        if not self.has(key):
            if required:
                raise self.error(None, f"missing {key!r}")
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"{key!r} must be a whole number")
        if value < low or (high is not None and value > high):
            limit = f"{low}..{high}" if high is not None else f">= {low}"
            raise self.error(key, f"{key!r} must be {limit}")
        return value

    def choice(self, key: str, options, default: str) -> str:
        value = self.text(key, default=default)
        if value not in options:
            raise self.error(key, f"{key!r} must be one of {', '.join(options)}, not {value!r}")
        return value

    def strings(self, key: str) -> list[str]:
        if not self.has(key):
            return []
        value = self.data[key]
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, str | int | float) for v in value
        ):
            raise self.error(key, f"{key!r} must be a list of texts")
        return [str(v).strip() for v in value if str(v).strip()]


def _parse_question(path: Path, data, default_category: str) -> ParsedQuestion:
    r = _Reader(path, data, QUESTION_KEYS, "question")
    key = r.text("id", required=True)
    kind = r.text("kind", required=True)
    if kind not in YAML_KINDS:
        raise r.error("kind", f"unknown kind {kind!r} (use one of {', '.join(YAML_KINDS)})")
    text_format = r.choice("format", TEXT_FORMATS, "markdown")
    points_raw = r.data.get("points", 1)
    try:
        points = Decimal(str(points_raw))
    except InvalidOperation:
        points = Decimal("-1")
    if isinstance(points_raw, bool) or points <= 0:
        raise r.error("points", "'points' must be a positive number")
    question = ParsedQuestion(
        kind=kind,
        text=r.text("text", required=True),
        text_format=text_format,
        key=key,
        name=r.text("name"),
        explanation=r.text("explanation", required=True),
        category=r.text("category", default=default_category),
        tags=r.strings("tags"),
        clauses=r.strings("clauses"),
        points=points,
        shuffle=r.boolean("shuffle", True),
        line=r.line(),
    )
    if kind in ("single", "multiple"):
        raw = r.data.get("choices")
        if not isinstance(raw, list) or len(raw) < 2:
            raise r.error(
                "choices" if "choices" in r.data else None,
                f"a {kind} question needs at least 2 choices",
            )
        flags = []
        for item in raw:
            c = _Reader(path, item, CHOICE_KEYS, "choice")
            flags.append((c, c.text("text", required=True), c.boolean("correct", False)))
        correct = sum(1 for _, _, ok in flags if ok)
        if kind == "single" and correct != 1:
            raise r.error(
                "choices",
                f"a single-choice question needs exactly one correct choice, found {correct}",
            )
        if kind == "multiple" and correct < 1:
            raise r.error(
                "choices", "a multiple-response question needs at least one correct choice"
            )
        share = Decimal(1) / correct
        for c, text, ok in flags:
            if kind == "single":
                fraction = Decimal(1) if ok else Decimal(0)
            else:
                fraction = share if ok else -share
            question.choices.append(
                ParsedChoice(
                    text=text,
                    fraction=fraction.quantize(Decimal("0.00001")),
                    feedback=c.text("feedback"),
                )
            )
    elif "choices" in r.data:
        raise r.error("choices", f"a {kind} question has no choices")
    if kind == "truefalse":
        question.correct = r.boolean("answer", required=True)
    elif "answer" in r.data:
        raise r.error("answer", "'answer' is for truefalse questions (short answers use 'answers')")
    if kind == "short":
        question.answers = r.strings("answers")
        if not question.answers:
            raise r.error(
                "answers" if "answers" in r.data else None,
                "a short-answer question needs 'answers'",
            )
    elif "answers" in r.data:
        raise r.error("answers", "'answers' is for short-answer questions")
    return question


def _question_list(path: Path, raw, default_category: str, line) -> list[ParsedQuestion]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FormatError(path, line, "'questions' must be a list")
    seen: dict[str, int | None] = {}
    questions = []
    for item in raw:
        q = _parse_question(path, item, default_category)
        if q.key in seen:
            raise FormatError(
                path, q.line, f"duplicate question id {q.key!r} (first at line {seen[q.key]})"
            )
        seen[q.key] = q.line
        questions.append(q)
    return questions


def _digest(data) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def parse_quiz_file(path: Path | str, text: str | None = None) -> ParsedQuiz:
    """Parse a quiz file: settings, explicit questions and draw rules."""
    path = Path(path)
    data = load_yaml(path, text)
    if not isinstance(data, dict):
        raise FormatError(
            path, 1, "a quiz file is a mapping with slug, title, pass_mark, questions"
        )
    r = _Reader(path, data, QUIZ_KEYS, "quiz")
    slug = r.text("slug", required=True)
    if slug != path.stem:
        raise r.error("slug", f"slug {slug!r} must equal the file name {path.stem!r}")
    if slug in RESERVED_SLUGS or not re.fullmatch(r"[-a-zA-Z0-9_]+", slug):
        raise r.error(
            "slug", f"slug {slug!r} is not allowed (letters, digits, '-', '_'; not a page name)"
        )
    category = r.text("category")
    quiz = ParsedQuiz(
        path=str(path),
        slug=slug,
        title=r.text("title", required=True),
        pass_mark=r.integer("pass_mark", required=True, high=100),
        description=r.text("description"),
        category=category,
        attempts=r.integer("attempts", default=0, high=1000),
        grading=r.choice("grading", ("highest", "last"), "highest"),
        random_order=r.boolean("random_order", False),
        feedback=r.choice("feedback", ("each", "end"), "end"),
        review=r.choice("review", ("score", "wrong", "full"), "full"),
        # A quiz that shows the right answer after each question has nothing left to hide
        # once submitted; otherwise the key waits for the learner's last attempt.
        review_when=r.choice(
            "review_when",
            ("immediately", "last_attempt"),
            "immediately" if data.get("feedback") == "each" else "last_attempt",
        ),
        time_limit_minutes=r.integer("time_limit_minutes", low=1, high=10000),
        success_text=r.text("success_text"),
        fail_text=r.text("fail_text"),
        partial_credit=r.boolean("partial_credit", True),
        draft=r.boolean("draft", False),
    )
    raw_draw = data.get("draw")
    if raw_draw is not None:
        if not isinstance(raw_draw, list):
            raise r.error("draw", "'draw' must be a list of {category, count}")
        for item in raw_draw:
            d = _Reader(path, item, {"category", "count"}, "draw rule")
            quiz.draw.append(
                ParsedDraw(
                    category=d.text("category", required=True).strip("/"),
                    count=d.integer("count", required=True, low=1, high=1000),
                    line=d.line(),
                )
            )
    quiz.questions = _question_list(path, data.get("questions"), category, r.line("questions"))
    if not quiz.questions and not quiz.draw:
        raise FormatError(path, 1, "a quiz needs 'questions', 'draw' or both")
    quiz.digest = _digest(
        {
            "quiz": {
                k: v
                for k, v in quiz.__dict__.items()
                if k not in ("questions", "draw", "digest", "path")
            },
            "draw": [(d.category, d.count) for d in quiz.draw],
            "questions": [{**q.__dict__, "line": None} for q in quiz.questions],
        }
    )
    return quiz


def parse_questions(path: Path | str, text: str | None = None) -> list[ParsedQuestion]:
    """Questions of a YAML file: a quiz file, ``{category, questions}`` or a bare list."""
    path = Path(path)
    data = load_yaml(path, text)
    if isinstance(data, list):
        return _question_list(path, data, "", 1)
    if isinstance(data, dict):
        if "slug" in data:
            return parse_quiz_file(path, text).questions
        r = _Reader(path, data, {"category", "questions"}, "question file")
        return _question_list(path, data.get("questions"), r.text("category"), r.line("questions"))
    raise FormatError(path, 1, "expected a list of questions or a quiz file")
