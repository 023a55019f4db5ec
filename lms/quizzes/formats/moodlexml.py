"""Moodle XML question files (docs.moodle.org/en/Moodle_XML_format) parsed into ParsedQuestion.

Parsed with expat directly so every element keeps its line. Document type declarations and
entities are refused outright: nothing external is ever fetched and nothing expands.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from html import escape
from xml.parsers import expat

from .base import FormatError, ParsedChoice, ParsedQuestion, UnsupportedQuestion
from .gift import (
    accepted_short_answers,
    check_choices,
    check_matching,
    decode_utf8,
    distinct_titles,
    normalize_category,
    numerical_answer,
    parse_weight,
    split_tags,
)
from .images import PLUGINFILE, embedded_files, old_image, references

TEXT_FORMATS = {
    "html": "html",
    "markdown": "markdown",
    "plain_text": "plain",
    "moodle_auto_format": "plain",
}
SUPPORTED = {"multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay"}
_UTF8_NAMES = {"utf-8", "utf8"}
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class _Refused(Exception):
    """Raised from an expat handler when the document declares a DTD or an entity."""


class Node:
    """A minimal element: tag, attributes, children, text and the line it starts on."""

    __slots__ = ("tag", "attrs", "children", "parts", "line")

    def __init__(self, tag: str, attrs: dict, line: int):
        self.tag, self.attrs, self.line = tag, attrs, line
        self.children: list[Node] = []
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def find(self, tag: str) -> Node | None:
        return next((child for child in self.children if child.tag == tag), None)

    def findall(self, tag: str) -> list[Node]:
        return [child for child in self.children if child.tag == tag]

    def value(self, tag: str, default: str = "") -> str:
        """Text of <tag><text>...</text></tag> or of <tag>...</tag>, stripped."""
        node = self.find(tag)
        if node is None:
            return default
        inner = node.find("text")
        return (inner.text if inner is not None else node.text).strip()


def read_tree(data: bytes, path: str) -> Node:
    """Parse XML bytes into Nodes, refusing DTDs and entities; errors name the line."""
    declared = _DECLARED_ENCODING.match(data)
    if declared is None or declared.group(1).decode().lower() in _UTF8_NAMES:
        decode_utf8(data, path)  # a clear message for a file saved in another encoding
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root = Node("#document", {}, 1)
    stack = [root]

    def refuse(*_args):
        raise _Refused

    def start(tag, attrs):
        node = Node(tag, attrs, parser.CurrentLineNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(_tag):
        stack.pop()

    def chars(text):
        stack[-1].parts.append(text)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except _Refused:
        raise FormatError(
            path,
            parser.CurrentLineNumber,
            "document type declarations and entities are not allowed",
        ) from None
    except expat.ExpatError as error:
        raise FormatError(
            path, error.lineno, f"not well-formed XML: {expat.errors.messages[error.code]}"
        ) from None
    except LookupError:  # the declaration names an encoding Python does not know
        name = declared.group(1).decode() if declared else "?"
        raise FormatError(
            path, 1, f"unknown encoding {name!r} in the XML declaration; save the file as UTF-8"
        ) from None
    if len(root.children) != 1 or root.children[0].tag != "quiz":
        raise FormatError(
            path, 1, "a Moodle XML question file has one <quiz> element around its questions"
        )
    return root.children[0]


def parse(
    data: bytes,
    *,
    path: str,
    unsupported: list[UnsupportedQuestion] | None = None,
    notes: list[str] | None = None,
) -> list[ParsedQuestion]:
    """Parse Moodle XML into questions; raise FormatError naming the line of the first problem.

    Unsupported question types raise UnsupportedQuestion, unless a list is given as
    ``unsupported``: then each is appended there and the others are still returned.
    "description" items are skipped (they are text between questions, not questions).
    """
    path = str(path)
    quiz = read_tree(data, path)
    questions: list[ParsedQuestion] = []
    category = ""
    descriptions: dict[str, str] = {}
    for node in quiz.children:
        if node.tag != "question":
            raise FormatError(path, node.line, f"unexpected <{node.tag}> inside <quiz>")
        kind = node.attrs.get("type", "")
        if kind == "category":
            category = normalize_category(node.value("category"))
            info = node.find("info")
            descriptions[category] = _text_of(info, "html") if info is not None else ""
            continue
        if kind == "description":
            if notes is not None:
                notes.append(f"line {node.line}: description {node.value('name')!r} skipped")
            continue
        try:
            question = _question(node, kind, path)
        except UnsupportedQuestion as error:
            error.category = category
            if unsupported is None:
                raise
            unsupported.append(error)
            continue
        except FormatError as error:
            name = node.value("name")
            if not name or name in error.message:
                raise
            raise FormatError(path, error.line, f"question {name!r}: {error.message}") from None
        question.category = category
        question.category_description = descriptions.get(category, "")
        questions.append(question)
    if notes is not None:
        distinct_titles(questions, notes)
    return questions


def _text_of(node: Node | None, target_format: str) -> str:
    """Text of a <feedback>/<answer>-like node, converted to the question's format when plain."""
    if node is None:
        return ""
    inner = node.find("text")
    text = (inner.text if inner is not None else "").strip()
    source = TEXT_FORMATS.get(node.attrs.get("format", ""), target_format)
    if target_format == "html" and source == "plain":
        text = escape(text).replace("\n", "<br>\n")
    return text


def _fraction(node: Node, path: str) -> Decimal:
    return parse_weight(node.attrs.get("fraction", "0").strip() or "0", path, node.line)


def _question(node: Node, kind: str, path: str) -> ParsedQuestion:
    name = node.value("name")
    line = node.line
    if kind not in SUPPORTED:
        raise UnsupportedQuestion(path, line, kind or "(no type)", name)
    text_node = node.find("questiontext")
    if text_node is None:
        raise FormatError(path, line, f"question {name!r} has no <questiontext>")
    raw_format = text_node.attrs.get("format", "html")
    if raw_format not in TEXT_FORMATS:
        raise FormatError(path, text_node.line, f"unknown text format {raw_format!r}")
    text_format = TEXT_FORMATS[raw_format]
    text = node.value("questiontext")
    files = embedded_files(node, path)
    image = node.find("image")
    if image is not None and image.text.strip():
        # Moodle 1.x: one image beside the text, its bytes in <image_base64>.
        name_, data = old_image(image, node.find("image_base64"), path)
        files[name_] = data
        if text_format != "html":
            text, text_format = escape(text).replace("\n", "<br>\n"), "html"
        text += f'<p><img src="{PLUGINFILE}/{name_}" alt=""></p>'
    if not text:
        raise FormatError(path, text_node.line, f"question {name!r} has no text")
    tags_node = node.find("tags")
    tags, clauses = split_tags(
        [tag.value("text") for tag in tags_node.findall("tag")] if tags_node is not None else []
    )
    points = Decimal(1)
    if node.find("defaultgrade") is not None:
        try:
            points = Decimal(node.value("defaultgrade"))
            if not points.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise FormatError(
                path, node.find("defaultgrade").line, "<defaultgrade> is not a number"
            ) from None
    question = ParsedQuestion(
        kind="essay",
        text=text,
        text_format=text_format,
        key=node.value("idnumber") or name,
        name=name,
        explanation=_text_of(node.find("generalfeedback"), text_format),
        tags=tags,
        clauses=clauses,
        points=points.normalize(),
        shuffle=node.value("shuffleanswers", "true").lower() in ("true", "1"),
        line=line,
        carries=frozenset(
            field
            for field, tag in (("points", "defaultgrade"), ("shuffle", "shuffleanswers"))
            if node.find(tag) is not None
        ),
    )
    question.files = files
    answers = node.findall("answer")
    if kind == "matching":
        for sub in node.findall("subquestion"):
            match = sub.find("answer")
            question.choices.append(
                ParsedChoice(
                    text=_text_of(sub, text_format),
                    match=match.value("text") if match is not None else "",
                )
            )
        check_matching(question, path, line)
    elif kind == "multichoice":
        question.kind = (
            "single" if node.value("single", "true").lower() in ("true", "1") else "multiple"
        )
        for answer in answers:
            choice = ParsedChoice(
                text=_text_of(answer, text_format),
                fraction=_fraction(answer, path),
                feedback=_text_of(answer.find("feedback"), text_format),
            )
            if not choice.text:
                raise FormatError(path, answer.line, "an empty answer")
            question.choices.append(choice)
        check_choices(question, path, 'give one answer fraction="100"')
    elif kind == "truefalse":
        question.kind = "truefalse"
        verdicts = {}
        for answer in answers:
            word = answer.value("text").lower()
            if word not in ("true", "false"):
                raise FormatError(
                    path, answer.line, f"a true/false answer is 'true' or 'false', not {word!r}"
                )
            verdicts[word] = (
                _fraction(answer, path),
                _text_of(answer.find("feedback"), text_format),
            )
        if set(verdicts) != {"true", "false"}:
            raise FormatError(
                path, line, "a true/false question needs one 'true' and one 'false' answer"
            )
        if (verdicts["true"][0] == 1) == (verdicts["false"][0] == 1):
            raise FormatError(
                path, line, "exactly one of 'true' and 'false' must have fraction 100"
            )
        question.correct = verdicts["true"][0] == 1
        question.feedback_true, question.feedback_false = verdicts["true"][1], verdicts["false"][1]
    elif kind == "shortanswer":
        question.kind = "short"
        weighted = []
        for answer in answers:
            accepted = answer.value("text")
            if not accepted:
                raise FormatError(path, answer.line, "an empty answer")
            weighted.append((_fraction(answer, path), accepted))
        question.answers, question.partial_answers = accepted_short_answers(
            weighted, path, line, name
        )
    elif kind == "numerical":
        question.kind = "numerical"
        for answer in answers:
            fraction = _fraction(answer, path)
            raw = answer.value("text")
            if raw == "*" and fraction <= 0:
                continue  # Moodle's "any other answer" earns nothing
            value, tolerance = numerical_answer(raw, path, answer.line)
            if answer.find("tolerance") is not None:
                _value, tolerance = numerical_answer(
                    f"0:{answer.value('tolerance') or 0}", path, answer.line
                )
            question.choices.append(
                ParsedChoice(
                    text=value,
                    fraction=fraction,
                    feedback=_text_of(answer.find("feedback"), text_format),
                    tolerance=tolerance,
                )
            )
        if not any(c.fraction == 1 for c in question.choices):
            raise FormatError(path, line, "a numerical question needs an answer worth 100%")
    elif not question.explanation:  # essay: the marker's notes stand in for missing feedback
        question.explanation = _text_of(node.find("graderinfo"), text_format)
    references(question, path)
    return question
