"""Re-imports that touch history say so; GIFT round trips keep what GIFT cannot carry."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from lms.quizzes import services
from lms.quizzes.models import Question, QuizQuestion
from tests.factories.quizzes import QuizFactory

BEFORE = "::q-tf:: Thông tin dạng văn bản phải được kiểm soát. {T}\n"
AFTER = "::q-tf:: Thông tin dạng văn bản không cần kiểm soát. {F}\n"


def _import(path, text, *extra):
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_questions", str(path), "--format", "gift", *extra, stdout=out)
    return out.getvalue()


def _sit(learner):
    quiz = QuizFactory()
    QuizQuestion.objects.create(quiz=quiz, question=Question.objects.get(key="q-tf"))
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(sitting=sitting)
    return sitting


def test_reimport_changing_a_used_question_warns_in_dry_run_and_in_the_summary(tmp_path, learner):
    bank = tmp_path / "bank.gift"
    _import(bank, BEFORE)
    _sit(learner)
    dry = _import(bank, AFTER, "--dry-run")
    assert "line 1: question 'q-tf' changes a question that 1 past attempt(s) used" in dry
    assert "Dry run: nothing was saved." in dry
    assert Question.objects.get(key="q-tf").correct is True
    out = _import(bank, AFTER)
    assert "changes a question that 1 past attempt(s) used" in out
    assert Question.objects.get(key="q-tf").correct is False
    # Unchanged questions, and changed ones nobody answered, raise no warning.
    assert "warning" not in _import(bank, AFTER)


def test_gift_round_trip_keeps_points_and_do_not_shuffle_with_warnings(tmp_path, db):
    bank = tmp_path / "bank.gift"
    _import(bank, "::q-plan:: Bước nào lập kế hoạch? {=Plan ~Do ~Check}\n")
    Question.objects.filter(key="q-plan").update(points=Decimal("2.5"), shuffle_choices=False)
    exported, err = tmp_path / "out.gift", StringIO()
    call_command("export_questions", str(exported), stdout=StringIO(), stderr=err)
    assert 'GIFT cannot carry points or "do not shuffle"; 1 question(s)' in err.getvalue()
    assert "'q-plan'" in err.getvalue()
    out = StringIO()
    call_command("import_questions", str(exported), stdout=out)
    question = Question.objects.get(key="q-plan")
    assert (question.points, question.shuffle_choices) == (Decimal("2.5"), False)
    assert 'does not set points 2.5 and "do not shuffle"; the bank\'s value is kept' in (
        out.getvalue()
    )
    assert "unchanged 1" in out.getvalue()


def test_moodle_xml_that_sets_points_and_shuffle_overrides_the_bank(tmp_path, db):
    bank = tmp_path / "bank.gift"
    _import(bank, "::q-plan:: Bước nào lập kế hoạch? {=Plan ~Do ~Check}\n")
    Question.objects.filter(key="q-plan").update(points=Decimal("2.5"), shuffle_choices=False)
    xml = tmp_path / "bank.xml"
    xml.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="multichoice"><name><text>q-plan</text></name>
<questiontext format="plain_text"><text>Bước nào lập kế hoạch?</text></questiontext>
<defaultgrade>3</defaultgrade><shuffleanswers>1</shuffleanswers><single>true</single>
<answer fraction="100"><text>Plan</text></answer><answer fraction="0"><text>Do</text></answer>
</question></quiz>""",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_questions", str(xml), stdout=out)
    question = Question.objects.get(key="q-plan")
    assert (question.points, question.shuffle_choices) == (Decimal(3), True)
    assert "kept" not in out.getvalue()
