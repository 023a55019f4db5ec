"""What a learner's result page shows after submitting: score only, which were wrong, or the full
review with the right answers; and when: at once, after the last attempt, after the close date."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.quizzes import services
from lms.quizzes.models import Choice, Quiz, ReviewShows, ReviewWhen
from tests.factories.quizzes import QuizFactory, make_question

RIGHT = "Phương án đúng bí mật"
WRONG = "Phương án sai đã chọn"
EXPLANATION = "Giải thích theo điều 8.5"


def _quiz(**kwargs):
    quiz = QuizFactory(**kwargs)
    question = make_question(quiz=quiz, order=0, explanation=EXPLANATION)
    Choice.objects.filter(question=question, fraction=1).update(text=RIGHT)
    Choice.objects.filter(question=question, fraction=0).update(text=WRONG)
    return quiz


def _sit_wrong(quiz, user):
    sitting = services.sitting_start(quiz=quiz, user=user)
    response = sitting.responses.get()
    wrong = response.question.choices.filter(text=WRONG).first()
    return services.sitting_submit(sitting=sitting, answers={response.pk: [str(wrong.pk)]})


def _page(client, user, sitting):
    client.force_login(user)
    page = client.get(reverse("quizzes:sitting_result", args=[sitting.pk]))
    assert page.status_code == 200
    return page.context["review"], page.content.decode()


def _shows(body):
    """(score shown, own wrong answer shown, right answer or explanation shown)"""
    return (
        "0 / 1" in body,
        WRONG in body and "badge-danger" in body,
        RIGHT in body or EXPLANATION in body,
    )


@pytest.mark.parametrize(
    ("shows", "expected"),
    [
        (ReviewShows.SCORE, (True, False, False)),
        (ReviewShows.WRONG, (True, True, False)),
        (ReviewShows.FULL, (True, True, True)),
    ],
)
def test_immediately_shows_the_chosen_level(client, learner, shows, expected):
    quiz = _quiz(review_shows=shows, review_when=ReviewWhen.IMMEDIATELY, attempts_allowed=0)
    review, body = _page(client, learner, _sit_wrong(quiz, learner))
    assert review == shows
    assert _shows(body) == expected


@pytest.mark.parametrize("shows", [ReviewShows.WRONG, ReviewShows.FULL])
def test_after_the_last_attempt_waits_for_it(client, learner, shows):
    quiz = _quiz(review_shows=shows, review_when=ReviewWhen.LAST_ATTEMPT, attempts_allowed=2)
    first = _sit_wrong(quiz, learner)
    review, body = _page(client, learner, first)
    assert review == ReviewShows.SCORE
    assert _shows(body) == (True, False, False)
    _sit_wrong(quiz, learner)  # the second and last attempt
    review, body = _page(client, learner, first)
    assert review == shows
    assert _shows(body)[1] is True
    assert _shows(body)[2] is (shows == ReviewShows.FULL)


def test_an_attempt_in_progress_is_not_yet_the_last(client, learner):
    quiz = _quiz(review_when=ReviewWhen.LAST_ATTEMPT, attempts_allowed=2)
    first = _sit_wrong(quiz, learner)
    services.sitting_start(quiz=quiz, user=learner)  # the last attempt, still open
    assert _page(client, learner, first)[0] == ReviewShows.SCORE


def test_after_the_close_date(client, learner):
    closes = timezone.now() + datetime.timedelta(days=1)
    quiz = _quiz(review_when=ReviewWhen.CLOSED, closes_at=closes, attempts_allowed=1)
    sitting = _sit_wrong(quiz, learner)  # even the last attempt waits for the close date
    review, body = _page(client, learner, sitting)
    assert review == ReviewShows.SCORE and RIGHT not in body
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=timezone.now() - datetime.timedelta(hours=1))
    review, body = _page(client, learner, sitting)
    assert review == ReviewShows.FULL and RIGHT in body


def test_no_attempt_starts_after_the_close_date(learner):
    quiz = _quiz(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(services.QuizError):
        services.sitting_start(quiz=quiz, user=learner)


def test_unlimited_attempts_default_keeps_right_answers_until_the_close_date(client, learner):
    """A new quiz's default: with unlimited attempts a second attempt must not copy the first
    review, so the right answers wait for the close date."""
    quiz = Quiz.objects.create(title="Mặc định", slug="mac-dinh")
    assert (quiz.attempts_allowed, quiz.review_shows, quiz.review_when) == (
        0,
        ReviewShows.FULL,
        ReviewWhen.LAST_ATTEMPT,
    )
    question = make_question(quiz=quiz, order=0, explanation=EXPLANATION)
    Choice.objects.filter(question=question, fraction=1).update(text=RIGHT)
    Choice.objects.filter(question=question, fraction=0).update(text=WRONG)
    for _ in range(3):
        sitting = _sit_wrong(quiz, learner)
        review, body = _page(client, learner, sitting)
        assert review == ReviewShows.SCORE and RIGHT not in body and EXPLANATION not in body
    assert "no close date" in body or "không có hạn đóng" in body
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=timezone.now() - datetime.timedelta(hours=1))
    assert _page(client, learner, sitting)[0] == ReviewShows.FULL


def test_trainers_always_see_the_full_review(client, learner, trainer):
    quiz = _quiz(review_shows=ReviewShows.SCORE, review_when=ReviewWhen.CLOSED)
    sitting = _sit_wrong(quiz, learner)
    review, body = _page(client, trainer, sitting)
    assert review == ReviewShows.FULL and RIGHT in body


def test_the_result_page_runs_few_queries(client, learner, django_assert_max_num_queries):
    quiz = _quiz(review_when=ReviewWhen.LAST_ATTEMPT, attempts_allowed=3)
    sitting = _sit_wrong(quiz, learner)
    client.force_login(learner)
    url = reverse("quizzes:sitting_result", args=[sitting.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_migration_default_keeps_limited_quizzes_immediate(db):
    """The migration's rule, applied to rows as they stood: limited attempts keep the review
    at once, unlimited attempts take the new default."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("lms.quizzes.migrations.0008_review_settings")
    limited = QuizFactory(attempts_allowed=2, review_when=ReviewWhen.LAST_ATTEMPT)
    unlimited = QuizFactory(attempts_allowed=0, review_when=ReviewWhen.LAST_ATTEMPT)
    migration.existing_quizzes_keep_their_review(apps, None)
    limited.refresh_from_db()
    unlimited.refresh_from_db()
    assert limited.review_when == ReviewWhen.IMMEDIATELY
    assert unlimited.review_when == ReviewWhen.LAST_ATTEMPT


def test_a_review_after_the_close_date_needs_a_close_date(db):
    from django.core.exceptions import ValidationError

    quiz = Quiz(title="Hạn đóng", slug="han-dong", review_when=ReviewWhen.CLOSED)
    with pytest.raises(ValidationError) as refused:
        quiz.full_clean()
    assert "closes_at" in refused.value.message_dict
    quiz.closes_at = timezone.now()
    quiz.full_clean()
