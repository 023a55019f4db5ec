"""A finished attempt keeps the question as it was shown: re-importing the bank changes nothing."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from lms.quizzes import services
from lms.quizzes.models import Question, QuizQuestion
from tests.factories.quizzes import QuizFactory

BEFORE = """
::q-plan:: Bước nào lập kế hoạch trong chu trình PDCA? {=Plan ~Do ~Check}

::q-tf:: Thông tin dạng văn bản phải được kiểm soát. {T}

::q-short:: Viết tắt của chu trình cải tiến là gì? {=PDCA}
"""

AFTER = """
::q-plan:: Bước nào hành động khắc phục trong chu trình PDCA? {~Plan ~Do =Act}

::q-tf:: Thông tin dạng văn bản không cần kiểm soát. {F}

::q-short:: Tên chu trình Deming viết tắt là gì? {=PDSA}
"""


def _import(tmp_path, text):
    path = tmp_path / "bank.gift"
    path.write_text(text, encoding="utf-8")
    call_command("import_questions", str(path), "--format", "gift", stdout=StringIO())


def _quiz():
    quiz = QuizFactory(pass_mark=100)
    for order, key in enumerate(("q-plan", "q-tf", "q-short")):
        QuizQuestion.objects.create(quiz=quiz, question=Question.objects.get(key=key), order=order)
    return quiz


def _answer_right(sitting):
    answers = {}
    for response in sitting.responses.select_related("question"):
        key = response.question.key
        if key == "q-plan":
            plan = response.question.choices.get(text="Plan")
            answers[response.pk] = [str(plan.pk)]
        else:
            answers[response.pk] = ["true" if key == "q-tf" else "pdca"]
    return answers


def test_reimport_changes_neither_review_nor_score_of_a_finished_attempt(
    client, tmp_path, learner, trainer
):
    _import(tmp_path, BEFORE)
    quiz = _quiz()
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(sitting=sitting, answers=_answer_right(sitting))
    sitting.refresh_from_db()
    assert (sitting.score, sitting.percent, sitting.passed) == (3, Decimal(100), True)

    _import(tmp_path, AFTER)
    assert Question.objects.get(key="q-plan").text.startswith("Bước nào hành động")

    sitting.refresh_from_db()
    assert (sitting.score, sitting.percent, sitting.passed) == (3, Decimal(100), True)
    client.force_login(learner)
    page = client.get(reverse("quizzes:sitting_result", args=[sitting.pk])).content.decode()
    assert "Bước nào lập kế hoạch" in page and "Bước nào hành động" not in page
    assert "phải được kiểm soát" in page and "không cần kiểm soát" not in page
    assert "Viết tắt của chu trình cải tiến" in page and "PDSA" not in page
    assert "Act" not in page

    # A remark keeps to the attempt's own question too: the marker sees the old text.
    client.force_login(trainer)
    plan = sitting.responses.get(question__key="q-plan")
    remark_page = client.get(reverse("quizzes:response_remark", args=[plan.pk])).content.decode()
    assert "Bước nào lập kế hoạch" in remark_page and "Plan" in remark_page


def test_attempt_in_progress_is_marked_by_the_question_it_showed(tmp_path, learner):
    _import(tmp_path, BEFORE)
    sitting = services.sitting_start(quiz=_quiz(), user=learner)
    answers = _answer_right(sitting)
    _import(tmp_path, AFTER)
    services.sitting_submit(sitting=sitting, answers=answers)
    sitting.refresh_from_db()
    assert (sitting.score, sitting.passed) == (3, True)
    again = services.sitting_start(quiz=sitting.quiz, user=learner)
    shown = {r.question.key: r.shown["text"] for r in again.responses.select_related("question")}
    assert shown["q-plan"].startswith("Bước nào hành động")


def test_migration_fills_what_older_attempts_showed_from_the_bank(tmp_path, learner):
    from importlib import import_module

    from django.apps import apps

    from lms.quizzes.models import Response

    migration = import_module("lms.quizzes.migrations.0004_response_shown_from_questions")
    _import(tmp_path, BEFORE)
    sitting = services.sitting_start(quiz=_quiz(), user=learner)
    services.sitting_submit(sitting=sitting, answers=_answer_right(sitting))
    expected = dict(Response.objects.values_list("pk", "shown"))
    Response.objects.update(shown={})

    migration.forwards(apps, None)

    assert dict(Response.objects.values_list("pk", "shown")) == expected
    plan = Response.objects.get(question__key="q-plan").shown
    assert [(c["text"], Decimal(c["fraction"])) for c in plan["choices"]] == [
        ("Plan", 1),
        ("Do", 0),
        ("Check", 0),
    ]
