"""Values a parser accepts but the database cannot hold are refused with file, line and title.

These run on SQLite by default and on PostgreSQL in the services suite (make services-test)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lms.quizzes.formats import gift
from lms.quizzes.formats.export import to_gift
from lms.quizzes.models import Question


def _xml(question: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{question}\n</quiz>\n'


def _mc(fraction="100", grade="1", name="Câu A"):
    return (
        f'<question type="multichoice">\n<name><text>{name}</text></name>\n'
        '<questiontext format="plain_text"><text>Chọn một.</text></questiontext>\n'
        f"<defaultgrade>{grade}</defaultgrade>\n"
        f'<answer fraction="{fraction}"><text>Đúng</text></answer>\n'
        '<answer fraction="0"><text>Sai</text></answer>\n</question>'
    )


def run(path):
    out = StringIO()
    call_command("import_questions", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def refused(path) -> str:
    with pytest.raises(CommandError) as caught:
        run(path)
    assert Question.objects.count() == 0
    message = str(caught.value)
    assert message.startswith(str(path)) and message.endswith("nothing imported")
    return message


LONG = "x" * 201


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "nan.xml",
            _xml(_mc(fraction="NaN")),
            ":7: question 'Câu A': weight 'NaN' is not a finite",
        ),
        ("inf.xml", _xml(_mc(fraction="Infinity")), ":7: question 'Câu A': weight 'Infinity'"),
        ("ninf.xml", _xml(_mc(fraction="-inf")), "weight '-inf' is not a finite number"),
        (
            "big.xml",
            _xml(_mc(grade="100000")),
            ":3: question 'Câu A': points 100000 are outside 0.01..1000",
        ),
        ("gnan.xml", _xml(_mc(grade="NaN")), "question 'Câu A': <defaultgrade> is not a number"),
        (
            "nul.gift",
            "::Câu\x00A::Văn bản {T}\n",
            ":1: question 'Câu\\x00A': the title contains a NUL",
        ),
        (
            "nul2.gift",
            "::Câu B::Văn\x00 bản {T}\n",
            ":1: question 'Câu B': the text contains a NUL",
        ),
        (
            "cat.gift",
            f"$CATEGORY: ISO/{LONG}\n\n::Câu C::Văn bản {{T}}\n",
            ":3: question 'Câu C': category segment '" + "x" * 30 + "'... longer than 200",
        ),
        (
            "tag.gift",
            f"// [tag:{'t' * 101}]\n::Câu D::Văn bản {{T}}\n",
            ":2: question 'Câu D': tag 'tttttttttttttttttttttttttttttt'... longer than 100",
        ),
        (
            "clause.gift",
            "// [tag:clause:6.1.1.1.1.1.1.1.1.1.1.1]\n::Câu E::Văn bản {T}\n",
            "question 'Câu E': clause tag '6.1.1.1.1.1.1.1.1.1.1.1'... longer than 20",
        ),
        ("empty.gift", "", "the file has no questions"),
        ("comments.gift", "// chỉ có chú thích\n\n// và dòng trống\n", "the file has no questions"),
        ("empty.xml", _xml(""), "the file has no questions"),
        (
            "lower.gift",
            "$category: ISO/01\n\n::Câu F::Văn bản {T}\n",
            ":1: '$category: ISO/01': write a category line as '$CATEGORY: path'",
        ),
        (
            "nocolon.gift",
            "$CATEGORY ISO/01\n\n::Câu G::Văn bản {T}\n",
            ":1: '$CATEGORY ISO/01': write a category line as '$CATEGORY: path'",
        ),
        (
            "dupid.gift",
            "// [id:same]\n::Một::A{T}\n\n// [id:same]\n::Hai::B{F}\n",
            ":5: question 'Hai': duplicate question id 'same'",
        ),
    ],
)
def test_values_the_database_cannot_hold_are_refused(db, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content.encode())
    assert expected in refused(path)


def test_same_title_twice_imports_distinct_questions_as_moodle_does(db, tmp_path):
    path = tmp_path / "titles.gift"
    path.write_text("::Câu::Một {T}\n\n::Câu::Hai {F}\n\n::Câu (2)::Ba {T}\n", encoding="utf-8")
    out = run(path)
    assert "created 3" in out
    assert "note: " in out and "line 3: the title 'Câu' is used by an earlier question" in out
    assert dict(Question.objects.values_list("key", "text")) == {
        "Câu": "Một",
        "Câu (3)": "Hai",
        "Câu (2)": "Ba",
    }
    run(path)  # the same keys again: nothing new
    assert Question.objects.count() == 3


def test_descriptions_are_skipped_with_a_note_in_gift_and_xml(db, tmp_path):
    text = tmp_path / "d.gift"
    text.write_text("::Giới thiệu::Đoạn mô tả.\n\n::Câu::Một {T}\n", encoding="utf-8")
    xml = tmp_path / "d.xml"
    xml.write_text(
        _xml(
            '<question type="description"><name><text>Giới thiệu</text></name>'
            '<questiontext format="html"><text>Mô tả</text></questiontext></question>\n' + _mc()
        ),
        encoding="utf-8",
    )
    assert "note: " + str(text) + ": line 1: description 'Giới thiệu' skipped" in run(text)
    assert "note: " + str(xml) + ": line 3: description 'Giới thiệu' skipped" in run(xml)
    assert Question.objects.count() == 2


def test_escaped_bracket_in_id_and_tag_is_decoded_and_written_back():
    source = "// [id:a\\]b] [tag:x\\]y]\n::T::Văn bản {T}\n"
    (question,) = gift.parse(source, path="q.gift")
    assert (question.key, question.tags) == ("a]b", ["x]y"])
    (again,) = gift.parse(to_gift([question]), path="q.gift")
    assert (again.key, again.tags) == ("a]b", ["x]y"])
