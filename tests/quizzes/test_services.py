import datetime
import random
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from lms.quizzes import services
from lms.quizzes.formats.base import FormatError, ParsedChoice, ParsedQuestion
from lms.quizzes.models import Category, Choice, Question, Remark, Response, SittingState
from lms.quizzes.selectors import quiz_passed, results_for
from lms.quizzes.signals import sitting_finished
from tests.factories.quizzes import CategoryFactory, QuizFactory, add_draw, make_question, make_quiz


def answers_for(sitting, picks):
    """picks: question -> list of values; returns {response_id: values}."""
    by_question = {r.question_id: r.pk for r in sitting.responses.all()}
    return {by_question[q.pk]: v for q, v in picks.items()}


def right_choice(question):
    return str(question.choices.filter(fraction__gt=0).first().pk)


def wrong_choice(question):
    return str(question.choices.filter(fraction__lte=0).first().pk)


# --- import ---------------------------------------------------------------------------------


def pq(key, kind="single", **kw):
    if kind in ("single", "multiple") and "choices" not in kw:
        kw["choices"] = [ParsedChoice("A", Decimal(1)), ParsedChoice("B", Decimal(0))]
    return ParsedQuestion(kind=kind, text=f"Text {key}", key=key, explanation="why", **kw)


def test_import_creates_categories_from_paths_and_upserts_by_key(db):
    counts = services.questions_import(
        questions=[pq("a", category="ISO/01", clauses=["6.1"], tags=["pdca"]), pq("b")],
        default_category="ISO/02",
    )
    assert counts["created"] == 2 and counts["categories"] == 3
    iso01 = Category.objects.get(path="ISO/01")
    assert iso01.parent.path == "ISO" and iso01.name == "01"
    assert Question.objects.get(key="b").category.path == "ISO/02"
    assert list(Question.objects.get(key="a").clauses.values_list("number", flat=True)) == ["6.1"]

    again = services.questions_import(
        questions=[pq("a", category="ISO/01", clauses=["6.1"], tags=["pdca"]), pq("b")],
        default_category="ISO/02",
    )
    assert again == {"created": 0, "updated": 0, "unchanged": 2, "categories": 0}
    changed = pq("b", choices=[ParsedChoice("A", Decimal(0)), ParsedChoice("C", Decimal(1))])
    third = services.questions_import(questions=[changed], default_category="ISO/02")
    assert third["updated"] == 1
    b = Question.objects.get(key="b")
    assert [(c.text, c.fraction) for c in b.choices.all()] == [("A", 0), ("C", 1)]


def test_import_is_all_or_nothing_and_names_the_line(db):
    bad = pq("bad", kind="truefalse", line=12)  # no answer
    with pytest.raises(FormatError) as exc:
        services.questions_import(questions=[pq("ok"), bad], source="bank.gift")
    assert "bank.gift:12" in str(exc.value)
    assert not Question.objects.exists()


def test_import_rejects_duplicate_keys(db):
    with pytest.raises(FormatError, match="duplicate"):
        services.questions_import(questions=[pq("x"), pq("x", line=5)])
    assert not Question.objects.exists()


def test_reimport_keeps_choices_used_by_sittings(learner, official):
    services.questions_import(questions=[pq("k")])
    question = Question.objects.get(key="k")
    quiz = QuizFactory()
    quiz.quiz_questions.create(question=question)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(
        sitting=sitting, answers=answers_for(sitting, {question: [right_choice(question)]})
    )
    services.questions_import(
        questions=[pq("k", choices=[ParsedChoice("X", Decimal(1)), ParsedChoice("Y", Decimal(0))])]
    )
    assert Choice.objects.filter(question=question, text="A", active=False).exists()
    assert not Choice.objects.filter(question=question, text="B").exists()
    assert Response.objects.get(sitting=sitting).score == 1


# --- sittings and marking -----------------------------------------------------------------


def test_start_freezes_questions_and_respects_attempts(learner, official):
    quiz = make_quiz(3, attempts_allowed=1)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    assert sitting.attempt == 1 and sitting.official == official
    assert sitting.agency.name == "Xã A1"
    assert sitting.responses.count() == 3
    # Resuming returns the same attempt.
    assert services.sitting_start(quiz=quiz, user=learner).pk == sitting.pk
    services.sitting_submit(sitting=sitting)
    with pytest.raises(services.QuizError):
        services.sitting_start(quiz=quiz, user=learner)


def test_draw_n_per_category_and_random_order(learner, official):
    quiz = QuizFactory(random_order=True)
    cat = CategoryFactory(path="ISO/01")
    sub = CategoryFactory(path="ISO/01/a")
    other = CategoryFactory(path="ISO/010")
    pool = {make_question(category=cat).pk for _ in range(4)} | {make_question(category=sub).pk}
    make_question(category=other)
    add_draw(quiz, CategoryFactory(path="ISO/01"), 3)
    s1 = services.sitting_start(quiz=quiz, user=learner, rng=random.Random(1))
    drawn = set(s1.responses.values_list("question_id", flat=True))
    assert len(drawn) == 3 and drawn <= pool


def test_automatic_marking_of_each_kind(learner, official):
    quiz = QuizFactory(pass_mark=50)
    single = make_question("single", quiz=quiz, order=0)
    multi = make_question(
        "multiple", quiz=quiz, order=1, choices=[("a", 0.5), ("b", 0.5), ("c", -0.5)]
    )
    tf = make_question("truefalse", quiz=quiz, order=2, correct=False)
    short = make_question("short", quiz=quiz, order=3, answers=["Lập kế hoạch"])
    sitting = services.sitting_start(quiz=quiz, user=learner)
    a, b, c = multi.choices.order_by("order")
    answers = answers_for(
        sitting,
        {
            single: [right_choice(single)],
            multi: [str(a.pk), str(c.pk)],  # one right, one wrong -> 0
            tf: ["false"],
            short: ["  LAP   ke hoach "],
        },
    )
    result = services.sitting_submit(sitting=sitting, answers=answers)
    scores = dict(Response.objects.filter(sitting=sitting).values_list("question_id", "score"))
    assert scores == {single.pk: 1, multi.pk: 0, tf.pk: 1, short.pk: 1}
    assert result.state == SittingState.FINISHED
    assert result.percent == Decimal("75.00") and result.passed is True


@pytest.mark.parametrize(
    "picked,partial,expected",
    [
        ({"a"}, True, Decimal("0.50")),
        ({"a", "b"}, True, Decimal("1.00")),
        ({"a", "b", "c"}, True, Decimal("0.50")),
        ({"c"}, True, Decimal("0.00")),
        ({"a"}, False, Decimal("0.00")),
        ({"a", "b"}, False, Decimal("1.00")),
    ],
)
def test_multiple_response_partial_credit(learner, official, picked, partial, expected):
    quiz = QuizFactory(partial_credit=partial)
    multi = make_question("multiple", quiz=quiz, choices=[("a", 0.5), ("b", 0.5), ("c", -0.5)])
    sitting = services.sitting_start(quiz=quiz, user=learner)
    ids = [str(c.pk) for c in multi.choices.all() if c.text in picked]
    services.sitting_submit(sitting=sitting, answers=answers_for(sitting, {multi: ids}))
    assert Response.objects.get(sitting=sitting).score == expected


def test_multiple_with_thirds_scores_full_marks(learner, official):
    quiz = QuizFactory()
    third = Decimal("0.33333")
    multi = make_question(
        "multiple", quiz=quiz, choices=[("a", third), ("b", third), ("c", third), ("d", -third)]
    )
    sitting = services.sitting_start(quiz=quiz, user=learner)
    ids = [str(c.pk) for c in multi.choices.all() if c.text != "d"]
    services.sitting_submit(sitting=sitting, answers=answers_for(sitting, {multi: ids}))
    assert Response.objects.get(sitting=sitting).score == 1


def test_submit_is_idempotent_and_signals_once(learner, official):
    quiz = make_quiz(2)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    received = []

    def on_finish(sender, sitting, **kwargs):
        received.append(sitting.pk)

    sitting_finished.connect(on_finish)
    try:
        first = services.sitting_submit(sitting=sitting)
        second = services.sitting_submit(sitting=sitting, answers={})
    finally:
        sitting_finished.disconnect(on_finish)
    assert received == [sitting.pk]
    assert first.submitted_at == second.submitted_at and second.state == SittingState.FINISHED


def test_answers_after_submit_are_ignored(learner, official):
    quiz = make_quiz(1)
    question = quiz.questions.get()
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(sitting=sitting)
    services.response_save(
        sitting=sitting, answers=answers_for(sitting, {question: [right_choice(question)]})
    )
    assert Response.objects.get(sitting=sitting).score == 0
    assert not Response.objects.get(sitting=sitting).answered_at


def test_time_limit_is_enforced_on_the_server(learner, official):
    quiz = make_quiz(1, time_limit_minutes=10)
    question = quiz.questions.get()
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    sitting = services.sitting_start(quiz=quiz, user=learner, now=start)
    assert sitting.deadline == start + datetime.timedelta(minutes=10)
    late = start + datetime.timedelta(minutes=11)
    result = services.response_save(
        sitting=sitting,
        answers=answers_for(sitting, {question: [right_choice(question)]}),
        now=late,
    )
    assert result.state == SittingState.FINISHED
    assert result.submitted_at == sitting.deadline
    assert result.score == 0  # the late answer did not count


def test_expired_sitting_closes_when_touched(learner, official):
    quiz = make_quiz(1, time_limit_minutes=5)
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    sitting = services.sitting_start(quiz=quiz, user=learner, now=start)
    closed = services.sitting_close_if_expired(
        sitting=sitting, now=start + datetime.timedelta(hours=1)
    )
    assert closed.state == SittingState.FINISHED and closed.submitted_at == sitting.deadline
    # A new attempt starts rather than resuming the expired one.
    again = services.sitting_start(quiz=quiz, user=learner, now=start + datetime.timedelta(hours=1))
    assert again.attempt == 2


def test_feedback_each_check_marks_and_locks(learner, official):
    quiz = make_quiz(2, feedback_mode="each")
    q1 = quiz.quiz_questions.order_by("order").first().question
    sitting = services.sitting_start(quiz=quiz, user=learner)
    response = sitting.responses.get(question=q1)
    checked = services.response_check(
        sitting=sitting, response_id=response.pk, answers={response.pk: [right_choice(q1)]}
    )
    assert checked.checked and checked.score == 1
    # A locked answer cannot be changed afterwards.
    services.response_save(sitting=sitting, answers={response.pk: [wrong_choice(q1)]})
    services.sitting_submit(sitting=sitting)
    assert Response.objects.get(pk=response.pk).score == 1


def test_check_is_refused_in_feedback_end_mode(learner, official):
    quiz = make_quiz(1, feedback_mode="end")
    sitting = services.sitting_start(quiz=quiz, user=learner)
    response = sitting.responses.get()
    assert services.response_check(sitting=sitting, response_id=response.pk, answers={}) is None
    assert not Response.objects.get(pk=response.pk).checked


def test_essay_needs_marking_then_finishes(learner, official, trainer):
    quiz = QuizFactory(pass_mark=50)
    make_question("single", quiz=quiz, order=0)
    essay = make_question("essay", quiz=quiz, order=1, points=Decimal(4))
    sitting = services.sitting_start(quiz=quiz, user=learner)
    result = services.sitting_submit(
        sitting=sitting, answers=answers_for(sitting, {essay: ["Kế hoạch ..."]})
    )
    assert result.state == SittingState.NEEDS_MARKING and result.percent is None
    response = Response.objects.get(sitting=sitting, question=essay)
    with pytest.raises(services.QuizError):
        services.response_mark(response=response, user=trainer, score=5)
    services.response_mark(response=response, user=trainer, score=3, comment="Thiếu bước Check")
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED
    assert sitting.score == 3 and sitting.percent == Decimal("60.00") and sitting.passed
    response.refresh_from_db()
    assert response.marked_by == trainer and response.comment == "Thiếu bước Check"


def test_remark_records_history_and_recomputes(learner, official, trainer):
    quiz = make_quiz(2, pass_mark=100)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(sitting=sitting)
    response = sitting.responses.first()
    with pytest.raises(services.QuizError):
        services.response_remark(response=response, user=trainer, score=1, reason=" ")
    remark = services.response_remark(
        response=response, user=trainer, score=1, reason="Đáp án có hai cách hiểu"
    )
    assert (remark.old_score, remark.new_score, remark.by) == (0, 1, trainer)
    sitting.refresh_from_db()
    assert sitting.score == 1 and sitting.percent == Decimal("50.00") and sitting.passed is False
    assert Remark.objects.count() == 1


def test_grading_highest_and_last(learner, official):
    for grading, expected in (("highest", Decimal("100.00")), ("last", Decimal("0.00"))):
        quiz = make_quiz(1, grading=grading, pass_mark=50)
        question = quiz.questions.get()
        first = services.sitting_start(quiz=quiz, user=learner)
        services.sitting_submit(
            sitting=first, answers=answers_for(first, {question: [right_choice(question)]})
        )
        second = services.sitting_start(quiz=quiz, user=learner)
        services.sitting_submit(
            sitting=second, answers=answers_for(second, {question: [wrong_choice(question)]})
        )
        assert results_for(quiz=quiz, official_ids=[official.pk, 999999]) == {
            official.pk: expected,
            999999: None,
        }
        assert quiz_passed(official=official, quiz=quiz) is (grading == "highest")


def test_normalise_answer():
    assert services.normalise_answer("  Đánh   GIÁ nội bộ ") == "danh gia noi bo"


def test_nobody_marks_or_remarks_their_own_attempt(trainer, learner):
    """A trainer who sat a quiz cannot raise their own score, by remark or by essay marking."""
    own = gettext("You cannot mark or remark your own attempt.")
    quiz = make_quiz(1, pass_mark=100)
    sitting = services.sitting_start(quiz=quiz, user=trainer)
    services.sitting_submit(sitting=sitting)
    response = sitting.responses.get()
    with pytest.raises(services.QuizError, match=own):
        services.response_remark(response=response, user=trainer, score=1, reason="Tự chấm lại")
    response.refresh_from_db()
    sitting.refresh_from_db()
    assert response.score == 0 and sitting.percent == 0 and not Remark.objects.exists()

    essay_quiz = QuizFactory()
    make_question(quiz=essay_quiz, kind="essay", points=5)
    essay_sitting = services.sitting_start(quiz=essay_quiz, user=trainer)
    services.sitting_submit(sitting=essay_sitting)
    essay = essay_sitting.responses.get()
    with pytest.raises(services.QuizError, match=own):
        services.response_mark(response=essay, user=trainer, score=5)
    essay.refresh_from_db()
    assert essay.score is None


def test_closing_expired_sittings_for_one_official_leaves_the_others(learner, make_user, tree):
    """What "My results" and "My learning" call before listing: only that official's expired
    attempts close, at their deadline; attempts still in time stay open."""
    other = make_user(agency=tree["commune_a2"], username="t_other")
    timed, untimed = make_quiz(1, time_limit_minutes=5), make_quiz(1)
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    mine = services.sitting_start(quiz=timed, user=learner, now=start)
    still_open = services.sitting_start(quiz=untimed, user=learner, now=start)
    theirs = services.sitting_start(quiz=timed, user=other, now=start)
    later = start + datetime.timedelta(minutes=6)
    official = learner.official
    assert services.sittings_close_expired(official=official, now=later) == 1
    for sitting in (mine, still_open, theirs):
        sitting.refresh_from_db()
    assert mine.state == SittingState.FINISHED and mine.submitted_at == mine.deadline
    assert still_open.state == SittingState.IN_PROGRESS
    assert theirs.state == SittingState.IN_PROGRESS


def test_answers_saved_then_changed_replace_the_chosen_choices(learner, official):
    """A choice is saved with its answer's time: a first answer inserts, a later one replaces
    what was saved (autosave, then the submit), and an answer taken back leaves none."""
    from lms.quizzes.models import ResponseChoice

    quiz = QuizFactory(pass_mark=50)
    multiple = make_question(
        "multiple", quiz=quiz, order=0, choices=[("A", 0.5), ("B", 0.5), ("C", -0.5)]
    )
    single = make_question("single", quiz=quiz, order=1)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    ids = {c.text: str(c.pk) for c in multiple.choices.all()}

    def chosen(question):
        response = Response.objects.get(sitting=sitting, question=question)
        rows = ResponseChoice.objects.filter(response=response)
        return sorted(rows.values_list("choice_id", flat=True)), response.answered_at

    services.response_save(
        sitting=sitting, answers=answers_for(sitting, {multiple: [ids["A"], ids["C"]]})
    )
    assert chosen(multiple)[0] == sorted([int(ids["A"]), int(ids["C"])])
    services.response_save(
        sitting=sitting,
        answers=answers_for(sitting, {multiple: [], single: [right_choice(single)]}),
    )
    assert chosen(multiple) == ([], None)
    services.response_save(sitting=sitting, answers=answers_for(sitting, {multiple: [ids["C"]]}))
    done = services.sitting_submit(
        sitting=sitting,
        answers=answers_for(
            sitting, {multiple: [ids["A"], ids["B"]], single: [wrong_choice(single)]}
        ),
    )
    assert chosen(multiple)[0] == sorted([int(ids["A"]), int(ids["B"])])
    assert chosen(single)[0] == [int(wrong_choice(single))]
    assert done.state == SittingState.FINISHED and done.score == Decimal("1.00")


def test_a_sitting_records_the_agency_of_the_officials_current_post(learner, official, tree):
    """The start reads the official, their post today and their attempts in one query: the
    post that counts is the latest started one still open (``current_assignment``)."""
    from lms.agencies.models import Assignment
    from lms.agencies.selectors import current_assignment

    today = datetime.date.today()
    official.assignments.all().delete()
    Assignment.objects.create(
        official=official, agency=tree["province_b"], start_date=today - datetime.timedelta(9)
    )
    Assignment.objects.create(
        official=official,
        agency=tree["commune_a2"],
        start_date=today - datetime.timedelta(5),
        end_date=today - datetime.timedelta(1),
    )
    Assignment.objects.create(
        official=official, agency=tree["department"], start_date=today + datetime.timedelta(3)
    )
    quiz = make_quiz(1, attempts_allowed=2)
    first = services.sitting_start(quiz=quiz, user=learner)
    assert first.agency_id == tree["province_b"].pk == current_assignment(official).agency_id
    # The attempt in progress is returned; the next one counts on from the last number.
    assert services.sitting_start(quiz=quiz, user=learner).pk == first.pk
    services.sitting_submit(sitting=first)
    Assignment.objects.create(official=official, agency=tree["commune_a1"], start_date=today)
    second = services.sitting_start(quiz=quiz, user=None, official=official)
    assert (second.attempt, second.agency_id, second.user_id) == (2, tree["commune_a1"].pk, None)
    services.sitting_submit(sitting=second)
    with pytest.raises(services.QuizError):
        services.sitting_start(quiz=quiz, user=learner)
    official.assignments.all().delete()
    assert services.sitting_start(quiz=make_quiz(1), user=learner).agency_id is None
