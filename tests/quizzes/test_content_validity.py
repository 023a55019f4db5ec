"""The shipped quizzes measure learning: option length gives nothing away, distractors are real.

A learner who always picks the longest option, or who knows that multiple-response items have one
wrong option, must not pass. These checks run over every file in content/quizzes/ through the same
parser the sync uses, so they fail as soon as an edit brings the pattern back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from lms.quizzes.formats.yaml_format import parse_quiz_file

QUIZ_DIR = Path(settings.BASE_DIR) / "content" / "quizzes"


def _questions():
    for path in sorted(QUIZ_DIR.glob("*.yaml")):
        yield from parse_quiz_file(path).questions


def _right(question):
    return [c for c in question.choices if c.fraction > 0]


def _wrong(question):
    return [c for c in question.choices if c.fraction <= 0]


def key_strictly_longest(question) -> bool:
    (key,) = _right(question)
    return all(len(key.text) > len(other.text) for other in _wrong(question))


def test_the_longest_option_is_the_key_in_at_most_a_third_of_single_choice_questions():
    singles = [q for q in _questions() if q.kind == "single"]
    assert len(singles) >= 100, "the curriculum's single-choice bank went missing"
    longest = [q.key for q in singles if key_strictly_longest(q)]
    share = len(longest) / len(singles)
    assert share <= 1 / 3, (
        f"the key is strictly the longest option in {len(longest)} of {len(singles)} "
        f"single-choice questions ({share:.0%}): {', '.join(longest)}"
    )


def test_most_multiple_response_questions_have_at_least_two_wrong_options():
    multiples = [q for q in _questions() if q.kind == "multiple"]
    assert multiples
    thin = [q.key for q in multiples if len(_wrong(q)) < 2]
    assert len(thin) <= len(multiples) // 4, f"only one wrong option in: {', '.join(thin)}"


def test_distractors_are_not_giveaway_absolutes():
    """'Chỉ…' and 'Không cần…' distractors are wrong on sight; keep them rare."""
    distractors = [
        c.text for q in _questions() for c in _wrong(q) if q.kind in ("single", "multiple")
    ]
    giveaways = [t for t in distractors if t.startswith(("Chỉ", "Không cần"))]
    assert len(giveaways) <= len(distractors) // 10, giveaways


@pytest.mark.parametrize(
    "texts, expected",
    [
        (["Đúng và dài hơn hẳn", "Sai", "Sai nữa"], True),
        (["Ngắn", "Sai nhưng dài hơn", "Sai"], False),
        (["Bằng nhau", "Cũng bằng", "Sai"], False),
    ],
)
def test_key_strictly_longest_detects_the_pattern(texts, expected):
    from decimal import Decimal

    from lms.quizzes.formats.base import ParsedChoice, ParsedQuestion

    choices = [ParsedChoice(texts[0], Decimal("1"))] + [ParsedChoice(t) for t in texts[1:]]
    assert key_strictly_longest(ParsedQuestion("single", "?", choices=choices)) is expected


@pytest.mark.parametrize(
    "slug", ["dgnb-m01", "dgnb-m02", "dgnb-m03", "dgnb-m04", "dgnb-m05", "nt-m05", "nt-m06"]
)
def test_practical_modules_carry_a_trainer_marked_task(slug):
    quiz = parse_quiz_file(QUIZ_DIR / f"{slug}.yaml")
    essays = [q for q in quiz.questions if q.kind == "essay"]
    assert essays, f"{slug} has no trainer-marked task"
    for essay in essays:
        # Outside the module's category: final quizzes draw by category and must stay auto-marked.
        assert (
            not essay.category.startswith(quiz.category + "/") and essay.category != quiz.category
        )
        assert "Gợi ý chấm" in essay.explanation, f"{essay.key} has no marking guide for trainers"


def test_quiz_files_choose_when_the_review_is_shown(tmp_path):
    """Practice quizzes that already show each answer's key review at once; the final quizzes
    (three attempts) keep the key until the learner's last attempt; a wrong value is named."""
    from lms.quizzes.formats.base import FormatError
    from lms.quizzes.formats.yaml_format import parse_quiz_file

    root = Path(__file__).resolve().parents[2] / "content" / "quizzes"
    module = parse_quiz_file(root / "nt-m01.yaml")
    final = parse_quiz_file(root / "nt-cuoi-khoa.yaml")
    assert (module.review, module.review_when) == ("full", "immediately")
    assert (final.review, final.review_when) == ("full", "last_attempt")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "slug: bad\ntitle: T\npass_mark: 50\nreview_when: closed\nquestions: []\n", encoding="utf-8"
    )
    with pytest.raises(FormatError, match="review_when"):
        parse_quiz_file(bad)
