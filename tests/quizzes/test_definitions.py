"""Each process keeps what starting an attempt reads of a quiz and its bank (definitions.py):
read once, used while the bank's generation holds, read again after any change."""

import random
from io import StringIO

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.quizzes import definitions, services
from lms.quizzes.models import Choice, Question, Quiz, QuizQuestion, Sitting
from lms.quizzes.sync import QuizSource
from tests.factories.quizzes import CategoryFactory, QuizFactory, add_draw, make_question

BANK_TABLES = ("quizzes_question", "quizzes_choice", "quizzes_quizquestion", "quizzes_quizdraw")


def _bank_reads(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in BANK_TABLES)]


def _start_and_submit(quiz, learner, seed=1) -> Sitting:
    sitting = services.sitting_start(quiz=quiz, user=learner, rng=random.Random(seed))
    services.sitting_submit(sitting=sitting)
    return sitting


def _quiz_with_draw():
    quiz = QuizFactory()
    make_question(quiz=quiz, order=0)
    make_question("truefalse", quiz=quiz, order=1, correct=True)
    category = CategoryFactory(path="ISO/06")
    for _ in range(4):
        make_question(category=category)
    add_draw(quiz, category, 2)
    return quiz


def test_a_second_start_reads_nothing_of_the_bank(learner, official):
    quiz = _quiz_with_draw()
    with CaptureQueriesContext(connection) as first:
        _start_and_submit(quiz, learner)
    assert len(_bank_reads(first)) == 5  # own questions, draws, pool, questions, choices
    with CaptureQueriesContext(connection) as second:
        sitting = _start_and_submit(quiz, learner)  # the same draw: questions read before
    assert _bank_reads(second) == []
    assert sitting.responses.count() == 4 and sitting.max_score == 4
    shown = {r.question_id: r.shown for r in sitting.responses.all()}
    for question in Question.objects.filter(pk__in=shown).prefetch_related("choices"):
        assert shown[question.pk]["text"] == question.text
        assert [c["id"] for c in shown[question.pk]["choices"]] == [
            c.pk for c in question.choices.all()
        ]


def test_an_edit_in_this_process_shows_in_the_next_attempt(learner, official):
    quiz = _quiz_with_draw()
    _start_and_submit(quiz, learner)
    question = quiz.questions.get(kind="single")
    question.text = "Câu hỏi đã sửa?"
    question.save()
    Choice.objects.create(question=question, text="Mới", fraction=0, order=9)
    sitting = _start_and_submit(quiz, learner, seed=2)
    response = sitting.responses.get(question=question)
    assert response.shown["text"] == "Câu hỏi đã sửa?"
    assert "Mới" in [c["text"] for c in response.shown["choices"]]
    assert len(response.choice_order) == 4


def test_a_change_committed_elsewhere_replaces_the_generation(
    learner, official, django_capture_on_commit_callbacks
):
    """Another process keeps its copies under the old token; the commit makes them unused."""
    quiz = _quiz_with_draw()
    token = definitions.generation()
    plan = definitions.quiz_plan(quiz, token)
    question = quiz.questions.get(kind="truefalse")
    stale = definitions.question_copies([question.pk], token)[question.pk]
    with django_capture_on_commit_callbacks(execute=True):
        question.correct = False
        question.save()
    assert definitions.generation() != token
    # What the other process kept, under the token it read them with.
    definitions.BANK.keep(("plan", quiz.pk), token, plan)
    definitions.BANK.keep(("question", question.pk), token, stale)
    copy = definitions.question_copies([question.pk])[question.pk]
    assert stale.shown["correct"] is True and copy.shown["correct"] is False


def test_a_cache_that_lost_the_generation_reads_again(learner, official):
    quiz = _quiz_with_draw()
    definitions.quiz_plan(quiz)
    cache.delete(definitions.BANK.key)
    with CaptureQueriesContext(connection) as ctx:
        plan = definitions.quiz_plan(quiz)
    assert len(_bank_reads(ctx)) == 3 and plan.question_count == 4


def test_the_import_retiring_a_used_choice_forgets_the_copies(tmp_path, learner, official):
    """The importer retires a choice an attempt used with a queryset update (no signal)."""
    bank = tmp_path / "bank.gift"

    def import_(text):
        bank.write_text(text, encoding="utf-8")
        call_command("import_questions", str(bank), "--format", "gift", stdout=StringIO())

    import_("::q-plan:: Bước nào lập kế hoạch? {=Plan ~Do ~Check}\n")
    question = Question.objects.get(key="q-plan")
    quiz = QuizFactory()
    QuizQuestion.objects.create(quiz=quiz, question=question)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    check = Choice.objects.get(question=question, text="Check")
    response = sitting.responses.get()
    services.sitting_submit(sitting=sitting, answers={response.pk: [str(check.pk)]})
    import_("::q-plan:: Bước nào lập kế hoạch? {=Plan ~Do}\n")
    check.refresh_from_db()
    assert check.active is False  # kept for the attempt that chose it
    again = services.sitting_start(quiz=quiz, user=learner).responses.get()
    assert [c["text"] for c in again.shown["choices"]] == ["Plan", "Do"]
    assert check.pk not in again.choice_order


def test_the_quiz_sync_bulk_writes_forget_the_copies(tmp_path, learner, official):
    category = CategoryFactory(path="ISO-NT/01")
    for _ in range(5):
        make_question(category=category)
    final = (
        "slug: final\ntitle: Cuối khóa\npass_mark: 70\n"
        "draw:\n  - {{category: ISO-NT/01, count: {n}}}\n"
    )
    (tmp_path / "final.yaml").write_text(final.format(n=2), encoding="utf-8")
    QuizSource(tmp_path).apply()
    quiz = Quiz.objects.get(slug="final")
    assert _start_and_submit(quiz, learner).responses.count() == 2
    (tmp_path / "final.yaml").write_text(final.format(n=3), encoding="utf-8")
    QuizSource(tmp_path).apply()
    assert _start_and_submit(quiz, learner, seed=2).responses.count() == 3


def test_the_quiz_pages_read_a_saved_quiz_change_at_once(client, learner, official):
    """The detail page and the start find the quiz by its slug in this process's copy (no
    query once read): a saved change, a deletion or an update that calls ``bank_changed`` shows
    at once, and each request gets its own copy."""
    from django.urls import reverse

    quiz = QuizFactory(title="Trước", attempts_allowed=1)
    make_question(quiz=quiz, order=0)
    client.force_login(learner)
    url = reverse("quizzes:quiz_detail", args=[quiz.slug])
    assert "Trước" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert not [q for q in ctx.captured_queries if '"quizzes_quiz"' in q["sql"].split("WHERE")[0]]
    first, second = definitions.quiz_by_slug(quiz.slug), definitions.quiz_by_slug(quiz.slug)
    assert first is not second and first.pk == second.pk
    first.title = "changed in one request only"
    assert definitions.quiz_by_slug(quiz.slug).title == "Trước"

    quiz.title = "Sau"
    quiz.save()
    assert "Sau" in client.get(url).content.decode()
    Quiz.objects.filter(pk=quiz.pk).update(draft=True)
    definitions.bank_changed()
    assert client.get(url).status_code == 404  # drafts are for editors only
    Quiz.objects.filter(pk=quiz.pk).update(draft=False, attempts_allowed=0)
    definitions.bank_changed()
    client.post(reverse("quizzes:sitting_start", args=[quiz.slug]))
    client.post(reverse("quizzes:sitting_start", args=[quiz.slug]))
    assert Sitting.objects.filter(quiz=quiz).count() == 1  # the open attempt is returned
    Sitting.objects.filter(quiz=quiz).delete()
    slug = quiz.slug
    quiz.delete()
    assert client.get(url).status_code == 404 and definitions.quiz_by_slug(slug) is None
