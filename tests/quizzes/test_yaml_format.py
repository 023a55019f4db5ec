import textwrap

import pytest

from lms.quizzes.formats.base import FormatError
from lms.quizzes.formats.yaml_format import parse_questions, parse_quiz_file

GOOD = """\
slug: nt-m03
title: Kiểm tra chuyên đề 3 – Chu trình PDCA
category: ISO-NT/03
pass_mark: 70
attempts: 2
grading: last
random_order: true
feedback: each
time_limit_minutes: 20
draw:
  - {category: ISO-NT/01, count: 3}
questions:
  - id: nt-m03-q01
    kind: single
    clauses: ["10.3"]
    text: |
      Tại bộ phận một cửa của xã, ...
    choices:
      - text: Lựa chọn A
        correct: true
        feedback: Đúng
      - text: Lựa chọn B
    explanation: Theo điều 10.3 ...
  - id: nt-m03-q02
    kind: truefalse
    answer: false
    text: Câu đúng sai
    explanation: Theo điều 6.2
  - id: nt-m03-q03
    kind: short
    answers: ["PDCA", "P-D-C-A"]
    text: Viết tắt?
    explanation: Chu trình PDCA
  - id: nt-m03-q04
    kind: essay
    text: Mô tả
    explanation: Một câu trả lời tốt có ...
  - id: nt-m03-q05
    kind: multiple
    shuffle: false
    text: Chọn các ý đúng
    choices:
      - {text: a, correct: true}
      - {text: b, correct: true}
      - {text: c}
    explanation: Theo điều 9.2
"""


def write(tmp_path, text, name="nt-m03.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_parses_settings_questions_and_draw(tmp_path):
    quiz = parse_quiz_file(write(tmp_path, GOOD))
    assert (quiz.slug, quiz.pass_mark, quiz.attempts, quiz.grading, quiz.feedback) == (
        "nt-m03",
        70,
        2,
        "last",
        "each",
    )
    assert quiz.time_limit_minutes == 20 and quiz.random_order is True
    assert [(d.category, d.count, d.line) for d in quiz.draw] == [("ISO-NT/01", 3, 11)]
    kinds = [q.kind for q in quiz.questions]
    assert kinds == ["single", "truefalse", "short", "essay", "multiple"]
    q1, q2, q3, q4, q5 = quiz.questions
    assert q1.line == 13 and q1.category == "ISO-NT/03" and q1.clauses == ["10.3"]
    assert [c.fraction for c in q1.choices] == [1, 0] and q1.choices[0].feedback == "Đúng"
    assert q2.correct is False and q3.answers == ["PDCA", "P-D-C-A"]
    assert [str(c.fraction) for c in q5.choices] == [
        "0.50000",
        "0.50000",
        "-0.50000",
    ] and q5.shuffle is False


def test_digest_is_stable(tmp_path):
    path = write(tmp_path, GOOD)
    assert parse_quiz_file(path).digest == parse_quiz_file(path).digest
    before = parse_quiz_file(path).digest
    changed = write(tmp_path, GOOD.replace("pass_mark: 70", "pass_mark: 80"))
    assert parse_quiz_file(changed).digest != before


@pytest.mark.parametrize(
    "old,new,line,message",
    [
        ("kind: truefalse", "kind: matching", 25, "unknown kind 'matching'"),
        (
            "        correct: true\n        feedback: Đúng",
            "        feedback: Đúng",
            19,
            "exactly one correct",
        ),
        ("    explanation: Theo điều 6.2\n", "", 24, "missing 'explanation'"),
        ("id: nt-m03-q02", "id: nt-m03-q01", 24, "duplicate question id 'nt-m03-q01'"),
        ("pass_mark: 70", "pass_mark: 170", 4, "'pass_mark' must be 0..100"),
        ("grading: last", "grading: best", 6, "'grading' must be one of"),
        ("random_order: true", "random_ordr: true", 7, "unknown key 'random_ordr'"),
        ("title: Kiểm", "title: [Kiểm", 3, "invalid YAML"),
        ("slug: nt-m03", "slug: other", 1, "must equal the file name"),
        ("answer: false", "answer: maybe", 26, "must be true or false"),
        ('    answers: ["PDCA", "P-D-C-A"]\n', "", 29, "needs 'answers'"),
    ],
)
def test_errors_name_path_and_line(tmp_path, old, new, line, message):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(FormatError) as exc:
        parse_quiz_file(path)
    assert exc.value.line == line, str(exc.value)
    assert message in exc.value.message
    assert str(exc.value).startswith(f"{path}:{line}: ")


def test_duplicate_keys_in_a_mapping_are_an_error(tmp_path):
    path = write(tmp_path, GOOD.replace("attempts: 2", "attempts: 2\nattempts: 3"))
    with pytest.raises(FormatError, match="duplicate key 'attempts'") as exc:
        parse_quiz_file(path)
    assert exc.value.line == 6


def test_parse_questions_accepts_a_bare_list_or_a_quiz_file(tmp_path):
    bare = write(
        tmp_path,
        """\
        - id: b1
          kind: truefalse
          answer: true
          category: BANK/01
          text: Đúng?
          explanation: Vì ...
        """,
        "bank.yaml",
    )
    questions = parse_questions(bare)
    assert [(q.key, q.category, q.correct, q.line) for q in questions] == [
        ("b1", "BANK/01", True, 1)
    ]
    assert len(parse_questions(write(tmp_path, GOOD))) == 5


def test_a_quiz_needs_questions_or_draw(tmp_path):
    path = write(tmp_path, "slug: nt-m03\ntitle: T\npass_mark: 50\n")
    with pytest.raises(FormatError, match="needs 'questions', 'draw'"):
        parse_quiz_file(path)
