"""Write questions as GIFT text that ``gift.parse`` (and Moodle) reads back unchanged."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .base import ParsedChoice, ParsedQuestion
from .gift import WEIGHT_PATTERN, percent

_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "~": "\\~",
        "=": "\\=",
        "#": "\\#",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
        "\r": "",
    }
)


def escape(text: str) -> str:
    """Escape GIFT's special characters and keep the text on one line."""
    return text.translate(_ESCAPES)


def _answer(text: str, text_format: str) -> str:
    """An answer or feedback text; a leading "[x]" is protected by the question's own marker."""
    escaped = escape(text)
    return f"[{text_format}]{escaped}" if escaped.startswith("[") else escaped


def _choice(choice: ParsedChoice, marker: str, text_format: str) -> str:
    text = _answer(choice.text, text_format)
    if marker == "~" and WEIGHT_PATTERN.match(text):
        marker = "~%0%"  # a text that starts like a weight ("%50% of ...") needs an explicit one
    line = f"\t{marker}{text}"
    if choice.feedback:
        line += "#" + _answer(choice.feedback, text_format)
    return line + "\n"


def _answers(question: ParsedQuestion) -> str:
    fmt = question.text_format
    if question.kind in ("single", "multiple"):
        lines = []
        for choice in question.choices:
            if question.kind == "single" and choice.fraction == 1:
                marker = "="
            elif choice.fraction == 0:
                marker = "~"
            else:
                marker = f"~%{percent(choice.fraction)}%"
            lines.append(_choice(choice, marker, fmt))
        return "{\n" + "".join(lines) + _general(question, "\t", "\n") + "}"
    if question.kind == "truefalse":
        right, wrong = (
            (question.feedback_true, question.feedback_false)
            if question.correct
            else (question.feedback_false, question.feedback_true)
        )
        block = "TRUE" if question.correct else "FALSE"
        if wrong or right:
            block += "#" + _answer(wrong, fmt)
        if right:
            block += "#" + _answer(right, fmt)
        return "{" + block + _general(question, " ") + "}"
    if question.kind == "short":
        answers = ""
        for answer in question.answers:
            text = _answer(answer, fmt)
            answers += f"\t=%100%{text}\n" if WEIGHT_PATTERN.match(text) else f"\t={text}\n"
        for partial in question.partial_answers:
            answers += f"\t=%{percent(partial.fraction)}%{_answer(partial.text, fmt)}\n"
        return "{\n" + answers + _general(question, "\t", "\n") + "}"
    if question.kind == "numerical":
        answers = []
        for choice in question.choices:
            tolerance = format(Decimal(choice.tolerance or 0).normalize(), "f")
            value = f"{choice.text}:{tolerance}"
            weight = "" if choice.fraction == 1 else f"%{percent(choice.fraction)}%"
            feedback = "#" + _answer(choice.feedback, fmt) if choice.feedback else ""
            answers.append(f"={weight}{value}{feedback}")
        return "{#" + " ".join(answers) + _general(question, " ") + "}"
    return "{" + _general(question) + "}"  # essay


def _general(question: ParsedQuestion, before: str = "", after: str = "") -> str:
    if not question.explanation:
        return ""
    return f"{before}####{_answer(question.explanation, question.text_format)}{after}"


def _mark(value: str) -> str:
    """A value inside a [id:...] or [tag:...] comment: "\\" and "]" escaped, one line."""
    return value.replace("\\", "\\\\").replace("]", "\\]").replace("\n", " ")


def question_to_gift(question: ParsedQuestion) -> str:
    """One question, preceded by a comment with its id (when it is not the title) and tags."""
    marks = []
    if question.key and question.key != question.name:
        marks.append(f"[id:{_mark(question.key)}]")
    marks += [f"[tag:{_mark(tag)}]" for tag in question.tags]
    marks += [f"[tag:clause:{_mark(clause)}]" for clause in question.clauses]
    out = f"// {' '.join(marks)}\n" if marks else ""
    if question.name:
        out += f"::{escape(question.name)}::"
    text = escape(question.text)
    if question.text_format != "plain" or text.startswith(("[", "//")):
        text = f"[{question.text_format}]{text}"
    return out + text + _answers(question) + "\n"


def to_gift(questions: Iterable) -> str:
    """GIFT text for ParsedQuestion objects or Question model instances, with $CATEGORY switches."""
    out, category = [], ""
    for question in questions:
        if not isinstance(question, ParsedQuestion):
            question = from_model(question)
        if question.category != category:
            category = question.category
            out.append(f"$CATEGORY: {category}\n")
        out.append(question_to_gift(question))
    return "\n".join(out)


def from_model(question) -> ParsedQuestion:
    """A Question of the bank (with choices, tags, clauses, category) as a ParsedQuestion."""
    choices = [c for c in question.choices.all() if c.active]
    parsed = ParsedQuestion(
        kind=question.kind,
        text=question.text,
        text_format=question.text_format,
        key=question.key,
        name=question.name,
        correct=question.correct,
        feedback_true=question.feedback_true,
        feedback_false=question.feedback_false,
        explanation=question.explanation,
        category=question.category.path if question.category_id else "",
        tags=[tag.name for tag in question.tags.all()],
        clauses=[clause.number for clause in question.clauses.all()],
        points=question.points,
        shuffle=question.shuffle_choices,
    )
    if question.kind == "short":
        parsed.answers = [c.text for c in choices if c.fraction >= 1]
        parsed.partial_answers = [
            ParsedChoice(text=c.text, fraction=c.fraction.normalize())
            for c in choices
            if 0 < c.fraction < 1
        ]
    elif question.kind in ("single", "multiple", "numerical"):
        parsed.choices = [
            ParsedChoice(
                text=c.text,
                fraction=c.fraction.normalize(),
                feedback=c.feedback,
                tolerance=c.tolerance.normalize() if c.tolerance is not None else None,
            )
            for c in choices
        ]
    return parsed
