import textwrap

import pytest

from lms.core.content import ContentError
from lms.quizzes.models import Question, Quiz, QuizDraw
from lms.quizzes.sync import QuizSource
from tests.factories.quizzes import CategoryFactory, make_question

BANK = """\
slug: bank-01
title: Ngân hàng chuyên đề 1
category: ISO-NT/01
pass_mark: 60
draft: true
questions:
  - id: b01-q1
    kind: truefalse
    answer: true
    clauses: ["6.1"]
    text: Rủi ro phải được xác định?
    explanation: Theo điều 6.1
  - id: b01-q2
    kind: single
    clauses: ["6.1", "6.2"]
    text: Chọn một
    choices:
      - {text: A, correct: true}
      - {text: B}
    explanation: Theo điều 6.2
"""

FINAL = """\
slug: final
title: Kiểm tra cuối khóa
pass_mark: 70
attempts: 2
feedback: end
draw:
  - {category: ISO-NT/01, count: 2}
"""


def source_with(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return QuizSource(tmp_path)


def test_sync_creates_then_is_idempotent(tmp_path, db):
    source = source_with(tmp_path, {"bank-01.yaml": BANK, "final.yaml": FINAL})
    source.validate()
    plan = source.plan()
    assert [str(c.action) for c in plan] == ["create", "create"]
    source.apply()
    final = Quiz.objects.get(slug="final")
    assert final.attempts_allowed == 2 and final.pass_mark == 70 and not final.draft
    assert Quiz.objects.get(slug="bank-01").draft is True
    assert QuizDraw.objects.get(quiz=final).category.path == "ISO-NT/01"
    assert Question.objects.get(key="b01-q2").category.path == "ISO-NT/01"
    assert sorted(Question.objects.get(key="b01-q2").clauses.values_list("number", flat=True)) == [
        "6.1",
        "6.2",
    ]

    again = QuizSource(tmp_path)
    again.validate()
    assert again.plan() == []
    assert again.apply() == []
    assert [c.action for c in again.plan(force=True)] == ["update", "update"]


def test_sync_updates_a_changed_file(tmp_path, db):
    source = source_with(tmp_path, {"bank-01.yaml": BANK})
    source.validate()
    source.apply()
    source = source_with(tmp_path, {"bank-01.yaml": BANK.replace("pass_mark: 60", "pass_mark: 65")})
    source.validate()
    assert [(c.action, c.target) for c in source.plan()] == [("update", "quiz bank-01")]
    source.apply()
    assert Quiz.objects.get(slug="bank-01").pass_mark == 65
    assert Question.objects.count() == 2


@pytest.mark.parametrize(
    "files,name,line,message",
    [
        (
            {"final.yaml": FINAL},
            "final.yaml",
            7,
            "draw category 'ISO-NT/01' is unknown or has no questions",
        ),
        (
            {"bank-01.yaml": BANK, "final.yaml": FINAL.replace("count: 2", "count: 3")},
            "final.yaml",
            7,
            "draw asks for 3",
        ),
        (
            {"bank-01.yaml": BANK, "other.yaml": BANK.replace("slug: bank-01", "slug: other")},
            "other.yaml",
            7,
            "duplicate question id 'b01-q1'",
        ),
        (
            {"bank-01.yaml": BANK.replace("kind: single", "kind: matrix")},
            "bank-01.yaml",
            14,
            "unknown kind",
        ),
        ({"bank-01.yaml": BANK + "  - [\n"}, "bank-01.yaml", 22, "invalid YAML"),
    ],
)
def test_sync_errors_name_file_and_line_and_write_nothing(tmp_path, db, files, name, line, message):
    source = source_with(tmp_path, files)
    with pytest.raises(ContentError) as exc:
        source.validate()
    assert exc.value.path.name == name and exc.value.line == line, str(exc.value)
    assert message in exc.value.message
    assert not Quiz.objects.exists() and not Question.objects.exists()


def test_draw_may_use_questions_already_in_the_bank(tmp_path, db):
    category = CategoryFactory(path="ISO-NT/01")
    make_question(category=category)
    make_question(category=category)
    source = source_with(tmp_path, {"final.yaml": FINAL})
    source.validate()
    source.apply()
    assert Quiz.objects.get(slug="final").draws.get().count == 2


def test_default_folder_is_content_quizzes(settings):
    assert QuizSource().root == settings.BASE_DIR / "content" / "quizzes"
