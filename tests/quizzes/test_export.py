"""GIFT export: escaping, round trips through the parser, the model adapter and export_questions."""

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.formats import gift, moodlexml
from lms.quizzes.formats.base import ParsedChoice, ParsedQuestion
from lms.quizzes.formats.export import escape, from_model, to_gift, to_moodlexml

DATA = Path(__file__).parent / "data"


def without_lines(questions):
    return [dataclasses.replace(q, line=None) for q in questions]


def round_trip(questions):
    return without_lines(gift.parse(to_gift(questions), path="export.gift"))


def test_escape():
    assert escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_round_trip_of_the_rich_gift_sample():
    parsed = gift.parse((DATA / "iso9001_vi.gift").read_bytes(), path="s.gift", unsupported=[])
    assert len(parsed) == 11
    assert round_trip(parsed) == without_lines(parsed)


def test_round_trip_of_the_moodle_xml_sample_except_what_gift_cannot_hold():
    parsed = moodlexml.parse((DATA / "iso9001_vi.xml").read_bytes(), path="s.xml", unsupported=[])
    # GIFT has no points and no "do not shuffle": those stay behind.
    expected = [dataclasses.replace(q, line=None, points=Decimal(1), shuffle=True) for q in parsed]
    assert round_trip(parsed) == expected


def test_moodle_xml_sample_round_trips_through_our_moodle_xml_whole():
    parsed = moodlexml.parse((DATA / "iso9001_vi.xml").read_bytes(), path="s.xml", unsupported=[])
    written = to_moodlexml(parsed)
    again = moodlexml.parse(written.encode(), path="again.xml")
    assert without_lines(again) == without_lines(parsed)
    assert {q.points for q in again} != {Decimal(1)}  # points and shuffling are kept
    assert "matching" in {q.kind for q in again}


def test_awkward_texts_survive():
    questions = [
        ParsedQuestion(
            kind="single",
            text="[html] không phải định dạng",
            name="",
            choices=[
                ParsedChoice("%50% cán bộ", Decimal(0)),
                ParsedChoice("[plain]x", Decimal(1), "#1 ~ ="),
            ],
        ),
        ParsedQuestion(kind="short", text="// không phải chú thích", answers=["%100%", "a:b"]),
        ParsedQuestion(
            kind="truefalse", text="$CATEGORY: không", correct=False, feedback_true="sai", key="k1"
        ),
        ParsedQuestion(
            kind="truefalse",
            text="Chỉ phản hồi đúng",
            correct=True,
            feedback_true="đúng",
            explanation="chung",
            category="A/B",
        ),
        ParsedQuestion(
            kind="multiple",
            text="x",
            name="Tên::lạ",
            key="Tên::lạ",
            tags=["t 1"],
            clauses=["7.5"],
            choices=[ParsedChoice("a", Decimal(1)), ParsedChoice("b", Decimal("-0.5"), "fb")],
        ),
        ParsedQuestion(
            kind="essay", text="[markdown]\n**đậm**", text_format="markdown", explanation="[x]"
        ),
    ]
    questions[0].key = ""
    assert round_trip(questions) == without_lines(questions)


texts = (
    st.text(
        alphabet=st.characters(
            exclude_categories=("Cs", "Cc", "Zl", "Zp"), include_characters="\n~=#{}:\\[]%-_>/$ ạđỗ"
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda t: t and "->" not in t)
)


@settings(max_examples=150, deadline=None)
@given(text=texts, name=texts, right=texts, wrong=texts, feedback=texts, explanation=texts)
def test_any_text_round_trips(text, name, right, wrong, feedback, explanation):
    # Whitespace around an escaped newline is kept; the parser strips only the ends.
    question = ParsedQuestion(
        kind="single",
        text=text,
        text_format="plain",
        key=name,
        name=name,
        choices=[ParsedChoice(right, Decimal(1), feedback), ParsedChoice(wrong, Decimal(0))],
        explanation=explanation,
    )
    assert round_trip([question]) == [question]


@pytest.fixture
def bank(db):
    from lms.core.models import Role  # noqa: F401 - the app registry is ready under pytest-django
    from lms.quizzes.services import questions_import

    parsed = gift.parse((DATA / "iso9001_vi.gift").read_bytes(), path="s.gift", unsupported=[])
    questions_import(questions=parsed, source="s.gift")
    return parsed


def test_from_model_matches_the_imported_questions(bank):
    from lms.quizzes.models import Question

    exported = [from_model(q) for q in Question.objects.order_by("pk")]
    for question in exported:
        assert question.kind in (
            "single",
            "multiple",
            "truefalse",
            "short",
            "numerical",
            "matching",
            "essay",
        )
    by_key = {q.key: q for q in exported}
    expected = [dataclasses.replace(q, line=None) for q in bank]
    assert [by_key[q.key] for q in expected] == expected


def test_export_questions_command_round_trips(bank, tmp_path):
    out = tmp_path / "bank.gift"
    call_command("export_questions", str(out), "--format", "gift")
    again = gift.parse(out.read_bytes(), path=str(out))
    assert sorted(q.key for q in again) == sorted(q.key for q in bank)
    assert {q.category for q in again} == {"ISO-NT/01", "ISO-NT/02"}


def test_export_questions_by_category(bank, tmp_path):
    out = tmp_path / "nt02.gift"
    call_command("export_questions", "--category", "ISO-NT/02", str(out))
    again = gift.parse(out.read_bytes(), path=str(out))
    assert {q.category for q in again} == {"ISO-NT/02"}
    assert len(again) == 5
