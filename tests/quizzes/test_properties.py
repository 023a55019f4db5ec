"""Property-based: generated GIFT and Moodle XML import, export and import again unchanged,
and no input, however mangled, raises anything but FormatError."""

import dataclasses
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.quizzes.formats import gift, moodlexml
from lms.quizzes.formats.base import FormatError, ParsedChoice, ParsedQuestion
from lms.quizzes.formats.export import to_gift, to_moodlexml

# Printable text without surrounding blanks (parsers strip them); GIFT escapes the rest.
TEXT = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x00"
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzđăâêôơư0123456789", min_size=1, max_size=12)
FRACTION = st.sampled_from([Decimal("0.5"), Decimal("0.25"), Decimal("0.1")])
NUMBER = st.decimals(min_value=-10000, max_value=10000, places=2).map(
    lambda d: format(d.normalize(), "f")
)
TOLERANCE = st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(2)])


@st.composite
def questions(draw):
    kind = draw(
        st.sampled_from(
            ["single", "multiple", "truefalse", "short", "numerical", "matching", "essay"]
        )
    )
    q = ParsedQuestion(
        kind=kind,
        text=draw(TEXT),
        text_format="plain",
        name=draw(WORD),
        explanation=draw(st.one_of(st.just(""), TEXT)),
        tags=draw(st.lists(WORD, max_size=2, unique=True)),
    )
    q.key = q.name
    if kind == "single":
        texts = draw(st.lists(TEXT, min_size=2, max_size=4, unique=True))
        q.choices = [
            ParsedChoice(text=t, fraction=Decimal(1 if i == 0 else 0), feedback=draw(WORD))
            for i, t in enumerate(texts)
        ]
    elif kind == "multiple":
        texts = draw(st.lists(TEXT, min_size=3, max_size=4, unique=True))
        q.choices = [
            ParsedChoice(text=texts[0], fraction=Decimal("0.5")),
            ParsedChoice(text=texts[1], fraction=Decimal("0.5")),
            *(ParsedChoice(text=t) for t in texts[2:]),
        ]
    elif kind == "truefalse":
        q.correct = draw(st.booleans())
        q.feedback_true, q.feedback_false = draw(WORD), draw(WORD)
    elif kind == "short":
        texts = draw(st.lists(TEXT, min_size=1, max_size=3, unique=True))
        q.answers = texts[:1]
        q.partial_answers = [ParsedChoice(text=t, fraction=draw(FRACTION)) for t in texts[1:]]
    elif kind == "numerical":
        values = draw(st.lists(NUMBER, min_size=1, max_size=2, unique=True))
        q.choices = [
            ParsedChoice(
                text=v, fraction=Decimal(1) if i == 0 else draw(FRACTION), tolerance=draw(TOLERANCE)
            )
            for i, v in enumerate(values)
        ]
    elif kind == "matching":
        # GIFT splits a pair at its first "->", so an item cannot contain one.
        items = draw(st.lists(TEXT.filter(lambda t: "->" not in t), min_size=2, max_size=4))
        q.choices = [ParsedChoice(text=t, fraction=Decimal(1), match=draw(TEXT)) for t in items]
        if draw(st.booleans()):
            q.choices.append(ParsedChoice(text="", fraction=Decimal(0), match=draw(TEXT)))
    return q


BANKS = st.lists(questions(), min_size=1, max_size=4, unique_by=lambda q: q.name)


def _plain(questions):
    return [dataclasses.replace(q, line=None) for q in questions]


def _xml_text(value: str, fmt: str = "plain_text") -> str:
    return f"<text>{xml_escape(value)}</text>" if fmt else value


def to_moodle_xml(bank: list[ParsedQuestion]) -> bytes:
    """Moodle XML for the bank, written as Moodle writes it (the test's own writer)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    types = {"single": "multichoice", "multiple": "multichoice", "short": "shortanswer"}
    for q in bank:
        out.append(f'<question type="{types.get(q.kind, q.kind)}">')
        out.append(f"<name>{_xml_text(q.name)}</name>")
        out.append(f'<questiontext format="plain_text">{_xml_text(q.text)}</questiontext>')
        if q.explanation:
            out.append(
                f'<generalfeedback format="plain_text">{_xml_text(q.explanation)}</generalfeedback>'
            )
        if q.tags:
            out.append("<tags>" + "".join(f"<tag>{_xml_text(t)}</tag>" for t in q.tags) + "</tags>")
        if q.kind in ("single", "multiple"):
            out.append(f"<single>{'true' if q.kind == 'single' else 'false'}</single>")
        for c in q.choices if q.kind == "matching" else []:
            out.append(
                f'<subquestion format="plain_text">{_xml_text(c.text)}'
                f"<answer>{_xml_text(c.match)}</answer></subquestion>"
            )
        answers = []
        if q.kind in ("single", "multiple", "numerical"):
            answers = [(c.fraction, c.text, c.feedback, c.tolerance) for c in q.choices]
        elif q.kind == "short":
            answers = [(Decimal(1), a, "", None) for a in q.answers] + [
                (c.fraction, c.text, "", None) for c in q.partial_answers
            ]
        elif q.kind == "truefalse":
            answers = [
                (Decimal(int(q.correct)), "true", q.feedback_true, None),
                (Decimal(int(not q.correct)), "false", q.feedback_false, None),
            ]
        for fraction, text, feedback, tolerance in answers:
            out.append(f'<answer fraction="{fraction * 100:f}" format="plain_text">')
            out.append(_xml_text(text))
            if feedback:
                out.append(f'<feedback format="plain_text">{_xml_text(feedback)}</feedback>')
            if tolerance is not None:
                out.append(f"<tolerance>{tolerance}</tolerance>")
            out.append("</answer>")
        out.append("</question>")
    out.append("</quiz>")
    return "\n".join(out).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BANKS)
def test_generated_gift_imports_exports_and_imports_unchanged(bank):
    first = gift.parse(to_gift(bank), path="gen.gift")
    assert _plain(first) == _plain(bank)
    assert _plain(gift.parse(to_gift(first), path="again.gift")) == _plain(first)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BANKS)
def test_generated_moodle_xml_imports_exports_and_imports_unchanged(bank):
    first = moodlexml.parse(to_moodle_xml(bank), path="gen.xml")
    assert _plain(first) == _plain(bank)
    assert _plain(gift.parse(to_gift(first), path="again.gift")) == _plain(first)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BANKS)
def test_our_moodle_xml_export_imports_unchanged(bank):
    first = moodlexml.parse(to_moodlexml(bank).encode(), path="ours.xml")
    assert _plain(first) == _plain(bank)
    again = moodlexml.parse(to_moodlexml(first).encode(), path="again.xml")
    assert _plain(again) == _plain(first)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BANKS, st.data())
def test_mangled_files_raise_nothing_but_format_error(bank, data):
    for source, parse in (
        (to_gift(bank).encode(), gift.parse),
        (to_moodle_xml(bank), moodlexml.parse),
    ):
        cut = data.draw(st.integers(0, len(source)))
        junk = data.draw(
            st.binary(max_size=8)
            | st.sampled_from([b"{", b"}", b"~", b"=", b"#", b"NaN", b"<", b"\x00", b"::"])
        )
        mangled = source[:cut] + junk + source[cut + data.draw(st.integers(0, 3)) :]
        try:
            parse(mangled, path="fuzz", unsupported=[], notes=[])
        except FormatError:
            pass
