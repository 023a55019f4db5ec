"""A learner's path (issue 12): landing after login, the home page, "mark as done" in place,
module quizzes on the path with their results, a final quiz locked until the lessons are done."""

import pytest
from django.urls import reverse

from lms.courses import selectors
from lms.courses.services import enrolment_create, lesson_mark_done
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Choice, Response, SittingState
from lms.training.models import RegistrationStatus
from tests.factories.courses import build_course, lessons_of
from tests.factories.quizzes import make_quiz
from tests.factories.training import RegistrationFactory, SessionDayFactory


def login_post(client, username, **query):
    url = reverse("login")
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, {"username": username, "password": "demo12345"})


def take(quiz, user, *, right: bool):
    """Start and submit an attempt, every answer right (or every answer wrong)."""
    sitting = quiz_services.sitting_start(quiz=quiz, user=user)
    answers = {}
    for response in Response.objects.filter(sitting=sitting):
        choice = (
            Choice.objects.filter(question_id=response.question_id, fraction__gt=0)
            if right
            else Choice.objects.filter(question_id=response.question_id, fraction=0)
        ).first()
        answers[response.pk] = [str(choice.pk)]
    return quiz_services.sitting_submit(sitting=sitting, answers=answers)


def with_module_quiz(course, module_index=0, **quiz_kwargs):
    module = course.get_children().specific()[module_index]
    quiz = make_quiz(2, **quiz_kwargs)
    module.quiz = quiz
    module.save_revision().publish()
    return quiz


# --- 1. landing after login -------------------------------------------------------------


def test_an_official_lands_on_my_learning_after_login(client, learner):
    response = login_post(client, learner.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:my_learning")


def test_login_respects_a_safe_next_and_ignores_another_site(client, learner):
    response = login_post(client, learner.username, next="/quizzes/")
    assert response["Location"] == "/quizzes/"
    client.logout()
    response = login_post(client, learner.username, next="https://evil.example/")
    assert response["Location"] == reverse("courses:my_learning")


def test_a_login_without_official_record_lands_on_the_account(client, make_user):
    user = make_user(username="no_official")
    response = login_post(client, user.username)
    assert response["Location"] == reverse("account")


def test_home_page_shows_a_logged_in_officials_courses_sessions_and_results(
    client, learner, tree, django_assert_max_num_queries
):
    course = build_course(title="Khóa PDCA cho xã")
    enrolment_create(official=learner.official, course=course)
    registration = RegistrationFactory(
        official=learner.official,
        session__title="Lớp ISO tại xã",
        status=RegistrationStatus.REGISTERED,
    )
    SessionDayFactory(session=registration.session)
    RegistrationFactory(
        official=learner.official, session__title="Lớp đã hủy", status=RegistrationStatus.CANCELLED
    )
    quiz = make_quiz(2, title="Kiểm tra 5W1H")
    take(quiz, learner, right=True)
    client.force_login(learner)
    client.get("/")
    with django_assert_max_num_queries(20):
        html = client.get("/").content.decode()
    for text in ("Khóa PDCA cho xã", "Lớp ISO tại xã", "Kiểm tra 5W1H", "100 %"):
        assert text in html
    assert "Lớp đã hủy" not in html
    client.logout()
    anonymous = client.get("/").content.decode()
    assert "Khóa PDCA cho xã" not in anonymous and reverse("login") in anonymous


def test_my_learning_lists_sessions_and_latest_results(client, learner):
    RegistrationFactory(official=learner.official, session__title="Lớp ISO tháng 12")
    client.force_login(learner)
    html = client.get(reverse("courses:my_learning")).content.decode()
    assert "Lớp ISO tháng 12" in html
    assert reverse("quizzes:my_results") in html


# --- 2. "mark as done" in place -----------------------------------------------------------


def test_mark_as_done_through_htmx_swaps_badge_and_outline(client, learner):
    course = build_course(lessons=3)
    first = lessons_of(course)[0]
    client.force_login(learner)
    assert "0/3" in client.get(first.url).content.decode()
    response = client.post(reverse("courses:lesson_done", args=[first.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    # The badge keeps the button's id, so htmx puts the focus on it.
    assert 'id="lesson-done-focus" tabindex="-1"' in html
    assert 'id="lesson-outline" hx-swap-oob="innerHTML"' in html
    assert "1/3" in html and html.count("badge-ok") == 2  # the badge and the outline's ✓


def test_mark_as_done_without_javascript_redirects_back(client, learner):
    course = build_course(lessons=2)
    first = lessons_of(course)[0]
    client.force_login(learner)
    client.get(first.url)
    response = client.post(reverse("courses:lesson_done", args=[first.pk]), {"next": first.url})
    assert response.status_code == 302 and response["Location"] == first.url
    assert "1/2" in client.get(first.url).content.decode()


# --- 3. module quizzes on the path, the final quiz locked ----------------------------------


def test_module_quiz_sits_between_its_lessons_and_the_next_module(client, learner):
    course = build_course(modules=2, lessons=2)
    quiz = with_module_quiz(course, title="Kiểm tra chuyên đề 1")
    first, second, third, _fourth = lessons_of(course)
    quiz_url = reverse("quizzes:quiz_detail", args=[quiz.slug])
    client.force_login(learner)
    html = client.get(second.url).content.decode()
    assert f'rel="next" href="{quiz_url}"' in html
    html = client.get(third.url).content.decode()
    assert f'rel="prev" href="{quiz_url}"' in html
    assert f'rel="next" href="{first.url}"' not in html


def test_the_outline_shows_the_module_quiz_result(client, learner):
    course = build_course(modules=1, lessons=2)
    quiz = with_module_quiz(course, pass_mark=70)
    first = lessons_of(course)[0]
    client.force_login(learner)
    assert "Chưa làm" in client.get(first.url).content.decode()
    take(quiz, learner, right=False)
    html = client.get(first.url).content.decode()
    assert "Chưa đạt, 0 %" in html
    take(quiz, learner, right=True)
    html = client.get(first.url).content.decode()
    assert "Đạt, 100 %" in html
    assert "Đạt, 100 %" in client.get(course.url).content.decode()


def test_quiz_marks_follow_the_grading_rule():
    rows = [(7, "highest", 1, 90.0, True), (7, "highest", 2, 40, False)]
    assert selectors.quiz_marks(rows)[7] == selectors.QuizMark(passed=True, percent=90)
    rows = [(8, "last", 1, 90.0, True), (8, "last", 2, "40.00", False)]
    assert selectors.quiz_marks(rows)[8] == selectors.QuizMark(passed=False, percent=40)


def test_final_quiz_is_refused_until_every_lesson_is_done(client, learner):
    final = make_quiz(1, title="Kiểm tra cuối khóa")
    course = build_course(lessons=2, completion="all_lessons_and_final_quiz", final_quiz=final)
    enrolment_create(official=learner.official, course=course)
    first, second = lessons_of(course)
    lesson_mark_done(official=learner.official, lesson=first)
    with pytest.raises(quiz_services.QuizError, match="cuối khóa"):
        quiz_services.sitting_start(quiz=final, user=learner)
    assert not final.sittings.exists()  # no attempt spent
    client.force_login(learner)
    detail = reverse("quizzes:quiz_detail", args=[final.slug])
    html = client.get(detail).content.decode()
    assert reverse("quizzes:sitting_start", args=[final.slug]) not in html
    assert course.title in html
    response = client.post(reverse("quizzes:sitting_start", args=[final.slug]))
    assert response.status_code == 302 and not final.sittings.exists()
    lesson_mark_done(official=learner.official, lesson=second)
    sitting = quiz_services.sitting_start(quiz=final, user=learner)
    assert sitting.state == SittingState.IN_PROGRESS


def test_final_quiz_stays_open_to_officials_of_no_course_using_it(learner):
    final = make_quiz(1)
    build_course(lessons=1, final_quiz=final)
    sitting = quiz_services.sitting_start(quiz=final, user=learner)
    assert sitting.state == SittingState.IN_PROGRESS


def test_a_quiz_made_final_after_its_first_attempt_is_refused_at_once(
    learner, django_capture_on_commit_callbacks
):
    """Whether a quiz ends a course is kept per process (selectors.is_final_quiz): a course page
    saved with it as final quiz makes it known, here at once and elsewhere once committed."""
    final = make_quiz(1)
    course = build_course(lessons=1)
    enrolment_create(official=learner.official, course=course)
    quiz_services.sitting_submit(sitting=quiz_services.sitting_start(quiz=final, user=learner))
    assert selectors.is_final_quiz(final.pk) is False
    token = selectors.FINAL_QUIZZES.token()
    with django_capture_on_commit_callbacks(execute=True):
        course.final_quiz = final
        course.save()
    assert selectors.FINAL_QUIZZES.token() != token
    with pytest.raises(quiz_services.QuizError, match=course.title):
        quiz_services.sitting_start(quiz=final, user=learner)
    # Another process kept the old answer under the old token: it is not used any more.
    selectors.FINAL_QUIZZES.keep("ids", token, frozenset())
    assert selectors.is_final_quiz(final.pk) is True
