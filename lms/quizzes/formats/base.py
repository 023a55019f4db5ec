"""The neutral shape every question format parses into, and the errors it raises.

Parsers never touch the database: they return ParsedQuestion objects (or raise FormatError naming
the file and line). ``lms.quizzes.services.questions_import`` writes them, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

KINDS = ("single", "multiple", "truefalse", "short", "numerical", "matching", "essay")
TEXT_FORMATS = ("plain", "markdown", "html")


class FormatError(Exception):
    """A problem in a question file, reported as ``path:line: message``."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


class UnsupportedQuestion(FormatError):
    """A question type we do not import (cloze, calculated, ...): named with its line."""

    def __init__(self, path: str, line: int | None, kind: str, name: str = ""):
        self.kind = kind
        self.name = name
        label = f" {name!r}" if name else ""
        super().__init__(path, line, f"unsupported question type {kind!r}{label}")


@dataclass
class ParsedChoice:
    text: str
    # Share of the question's points this choice earns: 1 = right, 0 = wrong, negative = penalty.
    fraction: Decimal = Decimal("0")
    feedback: str = ""
    # Numerical questions: ``text`` is the value, answers within ``tolerance`` of it match.
    tolerance: Decimal | None = None
    # Matching questions: ``text`` is an item (blank for an extra wrong answer), ``match`` the
    # answer that goes with it (plain text).
    match: str = ""


@dataclass
class ParsedQuestion:
    kind: str  # one of KINDS
    text: str
    text_format: str = "markdown"  # one of TEXT_FORMATS
    key: str = ""  # stable identity across re-imports (YAML id, GIFT/Moodle name); may be blank
    name: str = ""
    choices: list[ParsedChoice] = field(default_factory=list)  # single / multiple / matching
    answers: list[str] = field(default_factory=list)  # short answer: accepted texts (100 %)
    # Short answer: texts that earn part of the points (0 < fraction < 1).
    partial_answers: list[ParsedChoice] = field(default_factory=list)
    category_description: str = ""  # the category's description (Moodle <info>), HTML
    correct: bool | None = None  # true/false
    feedback_true: str = ""  # true/false: shown to a learner who answered "true"
    feedback_false: str = ""  # true/false: shown to a learner who answered "false"
    explanation: str = ""  # shown after answering (general feedback)
    category: str = ""  # "ISO-NT/01" style path; "" = the caller's default
    tags: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)  # ISO 9001:2015 clause numbers, e.g. "6.1"
    points: Decimal = Decimal("1")
    shuffle: bool = True  # shuffle the choices when the quiz shuffles
    line: int | None = None  # where it starts in the source file
    # Embedded images (Moodle XML <file>): file name -> bytes, referenced in the texts as
    # "@@PLUGINFILE@@/<name>"; the import stores them in the image library and rewrites the URLs.
    files: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    # Fields the source sets itself; on re-import the others keep the bank's value (GIFT cannot
    # write points or "do not shuffle", so a GIFT round trip must not reset them).
    carries: frozenset[str] = field(default=frozenset({"points", "shuffle"}), compare=False)
