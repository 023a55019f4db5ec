from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.quizzes import services
from lms.quizzes.models import Choice, Clause, Remark, Response, Sitting, SittingState
from tests.factories.quizzes import QuizFactory, make_question, make_quiz

SECRET_EXPLANATION = "Giải thích bí mật theo điều 8.5"
SECRET_FEEDBACK = "Phản hồi bí mật cho lựa chọn"


def quiz_with_secrets(n=2, **kwargs):
    quiz = QuizFactory(**kwargs)
    for i in range(n):
        q = make_question(quiz=quiz, order=i, explanation=f"{SECRET_EXPLANATION} {i}")
        Choice.objects.filter(question=q, fraction=1).update(feedback=SECRET_FEEDBACK)
    return quiz


def post_answers(sitting, picks):
    data = {"present": []}
    for response in sitting.responses.select_related("question"):
        data["present"].append(str(response.pk))
        if response.question_id in picks:
            data[f"r{response.pk}"] = picks[response.question_id]
    return data


def right(question):
    return str(question.choices.get(fraction=1).pk)


def test_draft_is_404_for_learners_and_visible_to_editors(client, learner, editor):
    quiz = make_quiz(1, draft=True)
    client.force_login(learner)
    assert client.get(reverse("quizzes:quiz_detail", args=[quiz.slug])).status_code == 404
    assert client.post(reverse("quizzes:sitting_start", args=[quiz.slug])).status_code == 404
    assert quiz.title not in client.get(reverse("quizzes:quiz_list")).content.decode()
    client.force_login(editor)
    assert client.get(reverse("quizzes:quiz_detail", args=[quiz.slug])).status_code == 200


def test_detail_shows_attempts_left_and_past_scores(client, learner):
    quiz = make_quiz(1, attempts_allowed=2)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(sitting=sitting)
    client.force_login(learner)
    page = client.get(reverse("quizzes:quiz_detail", args=[quiz.slug]))
    assert page.context["attempts_left"] == 1
    assert page.context["sittings"] == [sitting]
    assert reverse("quizzes:sitting_result", args=[sitting.pk]) in page.content.decode()


def test_detail_lists_the_latest_attempts_and_sends_to_my_results_for_the_rest(client, learner):
    quiz = make_quiz(1)
    for _ in range(12):
        services.sitting_submit(sitting=services.sitting_start(quiz=quiz, user=learner))
    client.force_login(learner)
    page = client.get(reverse("quizzes:quiz_detail", args=[quiz.slug]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    listed = [s.attempt for s in page.context["recent_sittings"]]
    assert listed == list(range(12, 2, -1))  # the ten latest, newest first
    assert html.count("/result/") == 10
    assert "Your latest 10 attempts of 12 are shown here." in html
    assert reverse("quizzes:my_results") in html
    assert page.context["attempts_left"] is None and len(page.context["sittings"]) == 12


def test_start_redirects_to_the_attempt_and_resumes(client, learner):
    quiz = make_quiz(2)
    client.force_login(learner)
    first = client.post(reverse("quizzes:sitting_start", args=[quiz.slug]))
    second = client.post(reverse("quizzes:sitting_start", args=[quiz.slug]))
    assert first.status_code == 302 and first["Location"] == second["Location"]
    assert Sitting.objects.count() == 1


def test_attempt_page_never_contains_answers_before_submission(client, learner):
    quiz = quiz_with_secrets(feedback_mode="end")
    client.force_login(learner)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    html = client.get(reverse("quizzes:sitting", args=[sitting.pk])).content.decode()
    assert "Câu hỏi" in html
    assert SECRET_EXPLANATION not in html and SECRET_FEEDBACK not in html
    assert "is-correct" not in html and 'name="check"' not in html


def test_answers_are_saved_and_shown_again_when_resuming(client, learner):
    quiz = make_quiz(2)
    q1 = quiz.quiz_questions.order_by("order").first().question
    sitting = services.sitting_start(quiz=quiz, user=learner)
    client.force_login(learner)
    url = reverse("quizzes:sitting", args=[sitting.pk])
    assert client.post(url, post_answers(sitting, {q1.pk: right(q1)})).status_code == 302
    html = client.get(url).content.decode()
    assert f'value="{right(q1)}" id="c' in html and " checked" in html
    assert Response.objects.get(sitting=sitting, question=q1).answered_at is not None


def test_htmx_autosave_returns_a_status(client, learner):
    quiz = make_quiz(1)
    q = quiz.questions.get()
    sitting = services.sitting_start(quiz=quiz, user=learner)
    client.force_login(learner)
    reply = client.post(
        reverse("quizzes:sitting", args=[sitting.pk]),
        post_answers(sitting, {q.pk: right(q)}),
        HTTP_HX_REQUEST="true",
    )
    assert reply.status_code == 200
    assert "Đã lưu lúc" in reply.content.decode()
    assert Response.objects.get(sitting=sitting).answered_at is not None


def test_feedback_each_check_shows_that_question_only(client, learner):
    quiz = quiz_with_secrets(feedback_mode="each")
    first, second = [qq.question for qq in quiz.quiz_questions.order_by("order")]
    sitting = services.sitting_start(quiz=quiz, user=learner)
    client.force_login(learner)
    url = reverse("quizzes:sitting", args=[sitting.pk])
    html = client.get(url).content.decode()
    assert 'name="check"' in html and SECRET_EXPLANATION not in html
    response = sitting.responses.get(question=first)
    data = post_answers(sitting, {first.pk: right(first)})
    data["check"] = str(response.pk)
    client.post(url, data)
    html = client.get(url).content.decode()
    assert f"{SECRET_EXPLANATION} 0" in html and SECRET_FEEDBACK in html
    assert f"{SECRET_EXPLANATION} 1" not in html
    assert f'name="present" value="{response.pk}"' not in html  # locked


def test_double_submit_gives_one_result(client, learner):
    quiz = make_quiz(1)
    q = quiz.questions.get()
    sitting = services.sitting_start(quiz=quiz, user=learner)
    client.force_login(learner)
    url = reverse("quizzes:sitting_submit", args=[sitting.pk])
    first = client.post(url, post_answers(sitting, {q.pk: right(q)}))
    second = client.post(url, post_answers(sitting, {q.pk: str(q.choices.get(text="Sai 1").pk)}))
    assert (
        first["Location"]
        == second["Location"]
        == reverse("quizzes:sitting_result", args=[sitting.pk])
    )
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED and sitting.score == 1
    # The attempt page of a closed sitting sends to the result.
    assert client.get(reverse("quizzes:sitting", args=[sitting.pk]))["Location"].endswith(
        "/result/"
    )


def test_result_shows_pass_text_explanations_and_breakdown(client, learner):
    quiz = quiz_with_secrets(
        n=2, success_text="Chúc mừng đạt", fail_text="Hãy xem lại", pass_mark=50
    )
    first = quiz.quiz_questions.order_by("order").first().question
    first.clauses.add(Clause.objects.create(number="8.5"))
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(
        sitting=sitting, answers={sitting.responses.get(question=first).pk: [right(first)]}
    )
    client.force_login(learner)
    page = client.get(reverse("quizzes:sitting_result", args=[sitting.pk]))
    html = page.content.decode()
    assert "Chúc mừng đạt" in html and "Hãy xem lại" not in html
    assert SECRET_EXPLANATION in html and "badge-ok" in html and "badge-danger" in html
    clauses = page.context["breakdown"]["clauses"]
    assert [(c["label"], c["percent"]) for c in clauses] == [("8.5", Decimal("100.00"))]


@pytest.mark.parametrize("feedback", ["end", "each"])
def test_attempt_page_and_saving_use_a_fixed_number_of_queries(
    client, learner, django_assert_max_num_queries, feedback
):
    client.force_login(learner)
    client.get(reverse("quizzes:quiz_list"))  # the user is cached from the first request on
    pages, counts = {}, {}
    for n in (5, 20):
        quiz = make_quiz(n, feedback_mode=feedback)
        sitting = services.sitting_start(quiz=quiz, user=learner)
        url = reverse("quizzes:sitting", args=[sitting.pk])
        questions = [qq.question for qq in quiz.quiz_questions.all()]
        data = post_answers(sitting, {q.pk: right(q) for q in questions})
        with django_assert_max_num_queries(14), CaptureQueriesContext(connection) as saving:
            assert client.post(url, data).status_code == 302
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as showing:
            page = client.get(url)
        assert page.status_code == 200
        pages[n], counts[n] = page, (len(saving), len(showing))
    assert len(pages[20].context["responses"]) == 20
    assert counts[5] == counts[20]


def test_marking_queue_is_scoped_and_marking_finishes_the_sitting(
    client, learner, trainer, outside_trainer
):
    quiz = make_quiz(1, pass_mark=50)
    make_question("essay", quiz=quiz, order=1, points=2, explanation="Nêu đủ 4 bước PDCA")
    sitting = services.sitting_start(quiz=quiz, user=learner)
    essay = sitting.responses.get(question__kind="essay")
    services.sitting_submit(sitting=sitting, answers={essay.pk: ["Plan, Do, Check"]})
    client.force_login(outside_trainer)
    assert list(client.get(reverse("quizzes:marking_queue")).context["queue"]) == []
    assert client.get(reverse("quizzes:response_mark", args=[essay.pk])).status_code == 403
    client.force_login(trainer)
    assert list(client.get(reverse("quizzes:marking_queue")).context["queue"]) == [essay]
    page = client.get(reverse("quizzes:response_mark", args=[essay.pk]))
    assert (
        "Plan, Do, Check" in page.content.decode() and "Nêu đủ 4 bước PDCA" in page.content.decode()
    )
    bad = client.post(
        reverse("quizzes:response_mark", args=[essay.pk]), {"score": "3", "comment": ""}
    )
    assert bad.status_code == 200 and bad.context["form"].errors
    done = client.post(
        reverse("quizzes:response_mark", args=[essay.pk]), {"score": "1.5", "comment": "Thiếu Act"}
    )
    assert done.status_code == 302
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED and sitting.score == Decimal("1.5")
    assert list(client.get(reverse("quizzes:marking_queue")).context["queue"]) == []


def test_remark_form_records_history(client, learner, trainer):
    quiz = make_quiz(1)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    services.sitting_submit(sitting=sitting)
    response = sitting.responses.get()
    client.force_login(trainer)
    url = reverse("quizzes:response_remark", args=[response.pk])
    assert client.post(url, {"score": "1", "reason": ""}).status_code == 200
    assert client.post(url, {"score": "1", "reason": "Khiếu nại hợp lệ"}).status_code == 302
    remark = Remark.objects.get()
    assert (remark.by, remark.old_score, remark.new_score, remark.reason) == (
        trainer,
        0,
        1,
        "Khiếu nại hợp lệ",
    )
    assert "Khiếu nại hợp lệ" in client.get(url).content.decode()
    sitting.refresh_from_db()
    assert sitting.percent == 100


def test_my_results_lists_attempts_and_clause_progress(client, learner):
    quiz = make_quiz(2)
    for qq in quiz.quiz_questions.all():
        qq.question.clauses.add(Clause.objects.get_or_create(number="9.2")[0])
    sitting = services.sitting_start(quiz=quiz, user=learner)
    first = sitting.responses.first()
    services.sitting_submit(sitting=sitting, answers={first.pk: [right(first.question)]})
    client.force_login(learner)
    page = client.get(reverse("quizzes:my_results"))
    assert page.context["sittings"] == [sitting]
    assert [(c["label"], c["percent"]) for c in page.context["clauses"]] == [
        ("9.2", Decimal("50.00"))
    ]


def _take(quiz, user, right_keys):
    sitting = services.sitting_start(quiz=quiz, user=user)
    answers = {}
    for r in sitting.responses.select_related("question"):
        pick = (
            right(r.question)
            if r.question.key in right_keys
            else str(r.question.choices.get(text="Sai 1").pk)
        )
        answers[r.pk] = [pick]
    return services.sitting_submit(sitting=sitting, answers=answers)


def test_item_analysis_facility_discrimination_and_choice_counts(client, make_user, tree, editor):
    quiz = QuizFactory()
    make_question(quiz=quiz, order=0, key="easy")
    hard = make_question(quiz=quiz, order=1, key="hard")
    hard.clauses.add(Clause.objects.create(number="7.2"))
    users = [make_user(role="learner", agency=tree["commune_a1"]) for _ in range(4)]
    _take(quiz, users[0], {"easy", "hard"})
    _take(quiz, users[1], {"easy"})
    _take(quiz, users[2], {"easy"})
    _take(quiz, users[3], set())
    client.force_login(editor)
    page = client.get(reverse("quizzes:quiz_analysis", args=[quiz.slug]))
    rows = {row["question"].key: row for row in page.context["questions"]}
    assert rows["easy"]["facility"] == Decimal("0.75") and rows["hard"]["facility"] == Decimal(
        "0.25"
    )
    assert rows["easy"]["discrimination"] == Decimal("1.00")  # top 1 right, bottom 1 wrong
    counts = {c["choice"].text: c["count"] for c in rows["hard"]["choices"]}
    assert counts == {"Đúng": 1, "Sai 1": 3, "Sai 2": 0}
    clause = page.context["clauses"][0]
    assert clause["label"] == "7.2" and clause["weak"] is True


def test_item_analysis_query_count_does_not_grow(
    client, make_user, tree, editor, django_assert_max_num_queries
):
    client.force_login(editor)
    client.get(reverse("quizzes:quiz_list"))  # first request of a session creates profiles
    counts = {}
    for n in (2, 8):
        quiz = make_quiz(3 if n == 2 else 6)
        for _ in range(n):
            _take(quiz, make_user(role="learner", agency=tree["commune_a1"]), set())
        with django_assert_max_num_queries(18), CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("quizzes:quiz_analysis", args=[quiz.slug])).status_code == 200
        counts[n] = len(queries)
    assert counts[2] == counts[8]


def test_trainer_analysis_sees_only_their_scope(client, make_user, tree, trainer):
    quiz = make_quiz(1)
    _take(quiz, make_user(role="learner", agency=tree["commune_a1"]), set())
    _take(quiz, make_user(role="learner", agency=tree["commune_b1"]), set())
    client.force_login(trainer)
    assert client.get(reverse("quizzes:quiz_analysis", args=[quiz.slug])).context["sittings"] == 1


def test_own_attempt_offers_no_mark_or_remark_and_refuses_them(client, trainer):
    quiz = make_quiz(1)
    sitting = services.sitting_start(quiz=quiz, user=trainer)
    services.sitting_submit(sitting=sitting)
    response = sitting.responses.get()
    client.force_login(trainer)
    page = client.get(reverse("quizzes:sitting_result", args=[sitting.pk]))
    assert page.status_code == 200
    assert reverse("quizzes:response_remark", args=[response.pk]) not in page.content.decode()
    url = reverse("quizzes:response_remark", args=[response.pk])
    refused = client.post(url, {"score": "1", "reason": "Tự chấm lại"})
    assert refused.status_code == 403
    response.refresh_from_db()
    assert response.score == 0 and not Remark.objects.exists()

    essay_quiz = QuizFactory()
    make_question(quiz=essay_quiz, kind="essay", points=5)
    essay_sitting = services.sitting_start(quiz=essay_quiz, user=trainer)
    services.sitting_submit(sitting=essay_sitting)
    essay = essay_sitting.responses.get()
    assert list(client.get(reverse("quizzes:marking_queue")).context["queue"]) == []
    mark_url = reverse("quizzes:response_mark", args=[essay.pk])
    assert client.post(mark_url, {"score": "5", "comment": ""}).status_code == 403


# --- issue 12: submitting with questions unanswered, expired attempts, the list by course ---


def _open_sitting(quiz, user):
    return services.sitting_start(quiz=quiz, user=user)


def test_submit_with_unanswered_questions_asks_to_confirm_and_saves(client, learner):
    quiz = make_quiz(3)
    sitting = _open_sitting(quiz, learner)
    first = Response.objects.filter(sitting=sitting).order_by("order").first()
    choice = first.question.choices.first()
    client.force_login(learner)
    url = reverse("quizzes:sitting_submit", args=[sitting.pk])
    response = client.post(url, {"present": [first.pk], f"r{first.pk}": [choice.pk]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Còn 2 câu hỏi chưa trả lời." in html
    assert 'name="confirm" value="1"' in html
    sitting.refresh_from_db()
    assert sitting.state == SittingState.IN_PROGRESS
    first.refresh_from_db()
    assert first.answered_at is not None  # the answer sent with the submit is kept
    response = client.post(url, {"confirm": "1"})
    assert response["Location"] == reverse("quizzes:sitting_result", args=[sitting.pk])
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED


def test_submit_with_every_question_answered_needs_no_confirmation(client, learner):
    quiz = make_quiz(2)
    sitting = _open_sitting(quiz, learner)
    data = {"present": []}
    for r in Response.objects.filter(sitting=sitting):
        data["present"].append(r.pk)
        data[f"r{r.pk}"] = [r.question.choices.first().pk]
    client.force_login(learner)
    response = client.post(reverse("quizzes:sitting_submit", args=[sitting.pk]), data)
    assert response.status_code == 302
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED


def test_attempt_page_separates_save_from_submit_and_loads_the_confirm_script(client, learner):
    quiz = make_quiz(2, time_limit_minutes=30)
    sitting = _open_sitting(quiz, learner)
    client.force_login(learner)
    html = client.get(reverse("quizzes:sitting", args=[sitting.pk])).content.decode()
    assert 'class="button button-secondary">' in html  # save
    assert 'class="button button-submit" id="submit-attempt"' in html
    assert "js/quiz-submit.js" in html and 'data-confirm-many="Còn {n} câu hỏi' in html
    assert 'class="message message-warning quiz-deadline"' in html


def test_my_results_shows_an_expired_attempt_as_finished_at_once(client, learner):
    import datetime

    from django.utils import timezone

    quiz = make_quiz(1, time_limit_minutes=5)
    sitting = _open_sitting(quiz, learner)
    Sitting.objects.filter(pk=sitting.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.force_login(learner)
    html = client.get(reverse("quizzes:my_results")).content.decode()
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED
    assert reverse("quizzes:sitting_result", args=[sitting.pk]) in html
    assert reverse("quizzes:sitting", args=[sitting.pk]) + '"' not in html


def test_quiz_list_groups_by_course_and_hides_courses_the_learner_cannot_take(
    client, learner, django_assert_max_num_queries
):
    from lms.courses.services import enrolment_create
    from tests.factories.courses import build_course

    closed_quiz = make_quiz(1, title="Kiểm tra khóa đóng")
    enrolled_quiz = make_quiz(1, title="Kiểm tra khóa đã ghi danh")
    open_quiz = make_quiz(1, title="Kiểm tra khóa mở")
    loose_quiz = make_quiz(1, title="Kiểm tra độc lập")
    build_course(title="Khóa đóng", open_enrolment=False, final_quiz=closed_quiz)
    mine = build_course(title="Khóa đã ghi danh", open_enrolment=False, final_quiz=enrolled_quiz)
    build_course(title="Khóa mở", final_quiz=open_quiz)
    enrolment_create(official=learner.official, course=mine, source="assigned")
    client.force_login(learner)
    client.get(reverse("quizzes:quiz_list"))
    with django_assert_max_num_queries(10):
        html = client.get(reverse("quizzes:quiz_list")).content.decode()
    assert "Khóa đóng" not in html and closed_quiz.title not in html
    for text in ("Khóa đã ghi danh", enrolled_quiz.title, "Khóa mở", open_quiz.title):
        assert text in html
    assert html.index("Khóa đã ghi danh") < html.index(enrolled_quiz.title)
    assert "Bài kiểm tra khác" in html and loose_quiz.title in html
