"""manage.py import_questions: formats, unsupported types, errors with lines, all or nothing."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lms.quizzes.models import Category, Choice, Question

DATA = Path(__file__).parent / "data"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_questions", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args) -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_questions", *map(str, args), stdout=StringIO(), stderr=err)
    return str(caught.value), err.getvalue()


@pytest.fixture
def write(tmp_path):
    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return _write


def test_gift_with_a_matching_question_imports_whole(db):
    out, err = run(DATA / "iso9001_vi.gift", "--format", "gift")
    assert err == ""
    assert "Imported 11 question(s)" in out and "skipped 0" in out
    matching = Question.objects.get(key="Ghép đôi")
    assert matching.kind == "matching"
    assert list(matching.choices.values_list("text", "match")) == [
        ("9.2", "Đánh giá nội bộ"),
        ("9.3", "Xem xét của lãnh đạo"),
    ]


def test_gift_import_counts_by_category(db):
    out, err = run(DATA / "iso9001_vi.gift", "--format", "gift")
    assert Question.objects.count() == 11
    assert "created 11" in out
    assert "ISO-NT/01: 6 new, 0 already in the bank, 0 skipped" in out
    assert "ISO-NT/02: 5 new, 0 already in the bank, 0 skipped" in out
    tf = Question.objects.get(key="Thông tin dạng văn bản")
    assert (tf.kind, tf.correct, tf.category.path) == ("truefalse", True, "ISO-NT/01")
    multiple = Question.objects.get(key="Rủi ro và cơ hội")
    assert sorted(multiple.choices.values_list("fraction", flat=True)) == [
        -1,
        Decimal("0.5"),
        Decimal("0.5"),
    ]
    assert list(Question.objects.get(key="gift-q01").clauses.values_list("number", flat=True)) == [
        "9.2"
    ]
    # Again: nothing new, everything already there.
    out, _err = run(DATA / "iso9001_vi.gift")
    assert "created 0" in out and "unchanged 11" in out
    assert "ISO-NT/01: 0 new, 6 already in the bank, 0 skipped" in out
    assert Question.objects.count() == 11


def test_moodle_xml_import(db):
    out, _err = run(DATA / "iso9001_vi.xml", "--format", "moodlexml", "--skip-unsupported")
    assert "Imported 6 question(s)" in out
    assert set(Category.objects.values_list("path", flat=True)) >= {"ISO-NT/03", "ISO-NT/04"}
    short = Question.objects.get(key="Thuật ngữ 7.5")
    assert list(short.choices.values_list("text", flat=True)) == ["thông tin dạng văn bản"]
    assert Question.objects.get(key="Đầu vào xem xét").points == 2


def test_yaml_import(db, write):
    path = write(
        "q.yaml",
        "- id: y-q01\n  kind: truefalse\n  answer: true\n  text: Đánh giá nội bộ theo kế hoạch.\n"
        "  explanation: Điều 9.2.\n  clauses: ['9.2']\n",
    )
    out, _err = run(path, "--format", "yaml", "--category", "ISO-NT/05")
    assert "Imported 1 question(s)" in out
    assert Question.objects.get(key="y-q01").category.path == "ISO-NT/05"


def test_category_option_is_the_default_category(db, write):
    path = write("q.gift", "A{T}\n\n$CATEGORY: X/Y\n\nB{F}\n")
    run(path, "--category", "ISO-NT/09")
    assert dict(Question.objects.values_list("text", "category__path")) == {
        "A": "ISO-NT/09",
        "B": "X/Y",
    }


def test_dry_run_saves_nothing(db):
    out, _err = run(DATA / "iso9001_vi.gift", "--dry-run")
    assert "Would import 11 question(s)" in out
    assert "Dry run: nothing was saved." in out
    assert Question.objects.count() == Choice.objects.count() == Category.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.gift", "A{T}\n\nB{=x ~y}\n\nC {~a ~b}\n", "bad.gift:5: no answer is marked right"),
        ("bad.gift", "A{T}\n\nB{=x ~y\n", "bad.gift:3: the answer block '{' is not closed"),
        ("bad.xml", "<quiz>\n<question type='essay'>\n</quiz>", "bad.xml:3: not well-formed XML"),
        (
            "bad.gift",
            "Câu hôm nay{T}".encode("cp1258"),
            "file is not UTF-8 (byte 0xE2 at offset 1); save it as UTF-8",
        ),
    ],
)
def test_malformed_files_name_the_line_and_import_nothing(db, write, name, content, expected):
    path = write(name, content)
    message, _err = fails(path)
    assert expected in message
    assert message.startswith(str(path))
    assert message.endswith("nothing imported")
    assert Question.objects.count() == 0


def test_an_error_found_by_the_service_rolls_everything_back(db, write):
    path = write("dup.gift", "// [id:same]\nA{T}\n\n// [id:same]\nB{F}\n")
    message, _err = fails(path)
    assert "dup.gift:5: duplicate question id 'same'" in message
    assert Question.objects.count() == 0


def test_unknown_extension_needs_format(db, write):
    message, _err = fails(write("q.dat", "A{T}"))
    assert "give --format" in message
    run(write("q2.dat", "A{T}"), "--format", "gift")
    assert Question.objects.count() == 1
