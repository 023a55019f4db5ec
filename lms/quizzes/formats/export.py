"""Write questions as GIFT or Moodle XML that our parsers (and Moodle) read back unchanged."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import unquote
from xml.sax.saxutils import escape as xml_escape

from .base import ParsedChoice, ParsedQuestion
from .gift import WEIGHT_PATTERN, percent
from .images import _REFERENCE

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
    if question.kind == "matching":
        pairs = "".join(
            f"\t={_answer(c.text, fmt) if c.text else ' '} -> {escape(c.match)}\n"
            for c in question.choices
        )
        return "{\n" + pairs + _general(question, "\t", "\n") + "}"
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
        category_description=question.category.description if question.category_id else "",
    )
    if question.kind == "short":
        parsed.answers = [c.text for c in choices if c.fraction >= 1]
        parsed.partial_answers = [
            ParsedChoice(text=c.text, fraction=c.fraction.normalize())
            for c in choices
            if 0 < c.fraction < 1
        ]
    elif question.kind in ("single", "multiple", "numerical", "matching"):
        parsed.choices = [
            ParsedChoice(
                text=c.text,
                fraction=c.fraction.normalize(),
                feedback=c.feedback,
                tolerance=c.tolerance.normalize() if c.tolerance is not None else None,
                match=c.match,
            )
            for c in choices
        ]
    return parsed


# --- Moodle XML ------------------------------------------------------------------------------

XML_FORMATS = {"html": "html", "markdown": "markdown", "plain": "plain_text"}
XML_TYPES = {"single": "multichoice", "multiple": "multichoice", "short": "shortanswer"}


def _xml(value: str) -> str:
    return xml_escape(value or "", {'"': "&quot;"})


def _files_in(text: str, question: ParsedQuestion) -> str:
    """<file> elements for the embedded images ``text`` refers to (Moodle keeps them per text)."""
    out = ""
    for raw in dict.fromkeys(_REFERENCE.findall(text or "")):
        data = question.files.get(raw)
        if data is not None:
            folder, _slash, name = unquote(raw).rpartition("/")
            where = _xml(f"/{folder}/" if folder else "/")
            encoded = base64.b64encode(data).decode()
            out += f'<file name="{_xml(name)}" path="{where}" encoding="base64">{encoded}</file>'
    return out


def _area(tag: str, text: str, question: ParsedQuestion, extra: str = "") -> str:
    fmt = XML_FORMATS[question.text_format]
    return (
        f'<{tag}{extra} format="{fmt}"><text>{_xml(text)}</text>{_files_in(text, question)}</{tag}>'
    )


def question_to_moodlexml(question: ParsedQuestion) -> str:
    """One question as Moodle writes it; embedded images go beside the text that shows them."""
    kind = question.kind
    out = [f'<question type="{XML_TYPES.get(kind, kind)}">']
    out.append(f"<name><text>{_xml(question.name)}</text></name>")
    out.append(_area("questiontext", question.text, question))
    out.append(_area("generalfeedback", question.explanation, question))
    out.append(f"<defaultgrade>{format(Decimal(question.points).normalize(), 'f')}</defaultgrade>")
    if question.key and question.key != question.name:
        out.append(f"<idnumber>{_xml(question.key)}</idnumber>")
    out.append(f"<shuffleanswers>{'true' if question.shuffle else 'false'}</shuffleanswers>")
    if question.tags or question.clauses:
        tags = [*question.tags, *(f"clause:{clause}" for clause in question.clauses)]
        out.append(
            "<tags>" + "".join(f"<tag><text>{_xml(t)}</text></tag>" for t in tags) + "</tags>"
        )

    def answer(fraction, text: str, feedback: str = "", formatted: bool = True, tail: str = ""):
        attrs = f' fraction="{percent(fraction)}"'
        body = (
            _area("answer", text, question, attrs)[: -len("</answer>")]
            if formatted
            else f"<answer{attrs}><text>{_xml(text)}</text>"
        )
        if feedback:
            body += _area("feedback", feedback, question)
        return body + tail + "</answer>"

    if kind in ("single", "multiple"):
        out.append(f"<single>{'true' if kind == 'single' else 'false'}</single>")
        out += [answer(c.fraction, c.text, c.feedback) for c in question.choices]
    elif kind == "truefalse":
        out.append(answer(int(bool(question.correct)), "true", question.feedback_true, False))
        out.append(answer(int(not question.correct), "false", question.feedback_false, False))
    elif kind == "short":
        out += [answer(1, text, formatted=False) for text in question.answers]
        out += [answer(c.fraction, c.text, formatted=False) for c in question.partial_answers]
    elif kind == "numerical":
        out += [
            answer(
                c.fraction,
                c.text,
                c.feedback,
                False,
                f"<tolerance>{format(Decimal(c.tolerance or 0).normalize(), 'f')}</tolerance>",
            )
            for c in question.choices
        ]
    elif kind == "matching":
        out += [
            _area("subquestion", c.text, question)[: -len("</subquestion>")]
            + f"<answer><text>{_xml(c.match)}</text></answer></subquestion>"
            for c in question.choices
        ]
    out.append("</question>")
    return "\n".join(out) + "\n"


def to_moodlexml(questions: Iterable) -> str:
    """Moodle XML for ParsedQuestion objects or Question rows, with a category before each group.

    Rows' images from the image library are embedded as base64 <file> elements."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    category = None
    for question in questions:
        if not isinstance(question, ParsedQuestion):
            from lms.quizzes.images import embed_images  # the database side

            question = embed_images(from_model(question))
        if question.category != category:
            category = question.category
            info = (
                f'<info format="html"><text>{_xml(question.category_description)}</text></info>'
                if question.category_description
                else ""
            )
            out.append(
                '<question type="category"><category><text>'
                f"$course$/top/{_xml(category)}</text></category>{info}</question>\n"
            )
        out.append(question_to_moodlexml(question))
    out.append("</quiz>\n")
    return "".join(out)
