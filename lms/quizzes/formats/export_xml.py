"""Write questions as Moodle XML that ``moodlexml.parse`` (and Moodle) reads back unchanged.

Unlike GIFT, Moodle XML carries points (``defaultgrade``), "do not shuffle"
(``shuffleanswers``), the id (``idnumber``) and the category's description (``info``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from .base import ParsedQuestion
from .export import from_model
from .gift import percent

FORMATS = {"html": "html", "markdown": "markdown", "plain": "plain_text"}
KINDS = {
    "single": "multichoice",
    "multiple": "multichoice",
    "truefalse": "truefalse",
    "short": "shortanswer",
    "numerical": "numerical",
    "essay": "essay",
}


def _text(value: str) -> str:
    return f"<text>{escape(value or '')}</text>"


def _answer(fraction, text: str, *, fmt: str, feedback: str = "", answer_fmt=None, extra=""):
    answer_fmt = f' format="{answer_fmt or fmt}"'
    return (
        f"    <answer fraction={quoteattr(percent(Decimal(fraction)))}{answer_fmt}>"
        f"{_text(text)}{extra}"
        f'<feedback format="{fmt}">{_text(feedback)}</feedback></answer>\n'
    )


def question_to_xml(question: ParsedQuestion) -> str:
    fmt = FORMATS[question.text_format]
    out = [
        f'  <question type="{KINDS[question.kind]}">\n',
        f"    <name>{_text(question.name or question.key)}</name>\n",
        f'    <questiontext format="{fmt}">{_text(question.text)}</questiontext>\n',
        f'    <generalfeedback format="{fmt}">{_text(question.explanation)}</generalfeedback>\n',
        f"    <defaultgrade>{format(Decimal(question.points).normalize(), 'f')}</defaultgrade>\n",
    ]
    if question.key and question.key != question.name:
        out.append(f"    <idnumber>{escape(question.key)}</idnumber>\n")
    if question.kind in ("single", "multiple"):
        single = "true" if question.kind == "single" else "false"
        out.append(f"    <single>{single}</single>\n")
        out.append(
            f"    <shuffleanswers>{'true' if question.shuffle else 'false'}</shuffleanswers>\n"
        )
        for choice in question.choices:
            out.append(_answer(choice.fraction, choice.text, fmt=fmt, feedback=choice.feedback))
    elif question.kind == "truefalse":
        for word, right, feedback in (
            ("true", question.correct, question.feedback_true),
            ("false", not question.correct, question.feedback_false),
        ):
            out.append(_answer(1 if right else 0, word, fmt=fmt, feedback=feedback))
    elif question.kind == "short":
        for answer in question.answers:
            out.append(_answer(1, answer, fmt=fmt, answer_fmt="plain_text"))
        for partial in question.partial_answers:
            out.append(_answer(partial.fraction, partial.text, fmt=fmt, answer_fmt="plain_text"))
    elif question.kind == "numerical":
        for choice in question.choices:
            tolerance = format(Decimal(choice.tolerance or 0).normalize(), "f")
            out.append(
                _answer(
                    choice.fraction,
                    choice.text,
                    fmt=fmt,
                    feedback=choice.feedback,
                    answer_fmt="moodle_auto_format",
                    extra=f"<tolerance>{tolerance}</tolerance>",
                )
            )
    tags = [*question.tags, *(f"clause:{clause}" for clause in question.clauses)]
    if tags:
        out.append("    <tags>" + "".join(f"<tag>{_text(t)}</tag>" for t in tags) + "</tags>\n")
    out.append("  </question>\n")
    return "".join(out)


def to_moodlexml(questions: Iterable, descriptions: dict[str, str] | None = None) -> str:
    """Moodle XML for ParsedQuestion objects or Question model instances, with category items."""
    descriptions = descriptions or {}
    out, category = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'], None
    for question in questions:
        if not isinstance(question, ParsedQuestion):
            question = from_model(question)
        if question.category != category:
            category = question.category
            if category:
                info = descriptions.get(category, "")
                out.append(
                    '  <question type="category">\n'
                    f"    <category>{_text('$course$/' + category)}</category>\n"
                    f'    <info format="html">{_text(info)}</info>\n'
                    "  </question>\n"
                )
        out.append(question_to_xml(question))
    out.append("</quiz>\n")
    return "".join(out)
