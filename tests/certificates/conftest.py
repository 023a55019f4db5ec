"""A course with a final quiz, its learner who completed it, and helpers to issue certificates."""

import datetime
from decimal import Decimal

import pytest

from lms.core.models import Role
from lms.courses import services as course_services
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Sitting
from tests.factories.courses import build_course, lessons_of
from tests.factories.quizzes import make_quiz


def pass_quiz(user, quiz) -> Sitting:
    """Submit a sitting with every answer right."""
    sitting = quiz_services.sitting_start(quiz=quiz, user=user)
    right = {
        r.pk: [str(r.question.choices.get(fraction=1).pk)]
        for r in sitting.responses.select_related("question")
    }
    return quiz_services.sitting_submit(sitting=sitting, answers=right)


@pytest.fixture
def holder(make_user, tree):
    return make_user(
        role=Role.LEARNER,
        agency=tree["commune_a1"],
        username="c_holder",
        full_name="Nguyễn Thị Hồng Nhung",
        email="nhung@example.gov.vn",
    )


@pytest.fixture
def final_course(db):
    quiz = make_quiz(2, title="Kiểm tra cuối khóa", pass_mark=50, attempts_allowed=0)
    course = build_course(
        lessons=2,
        completion="all_lessons_and_final_quiz",
        final_quiz=quiz,
        title="Đánh giá nội bộ theo TCVN ISO 9001:2015",
    )
    course.certificate_validity_months = 24
    course.save_revision().publish()
    course.refresh_from_db()
    return course


def complete_course(user, course, django_capture_on_commit_callbacks):
    """Do every lesson and pass the final quiz, running what is queued on commit."""
    with django_capture_on_commit_callbacks(execute=True):
        course_services.enrolment_create(official=user.official, course=course)
        for lesson in lessons_of(course):
            course_services.lesson_mark_done(official=user.official, lesson=lesson)
        pass_quiz(user, course.final_quiz)


@pytest.fixture
def issued(holder, final_course, django_capture_on_commit_callbacks):
    from lms.certificates.models import Certificate

    complete_course(holder, final_course, django_capture_on_commit_callbacks)
    return Certificate.objects.get(official=holder.official)


def days(n):
    return datetime.timedelta(days=n)


HUNDRED = Decimal("100.00")


# Closing a session is refused before its last day: certificate tests run on the training tests'
# clock (after every factory day).
from tests.training.conftest import training_today  # noqa: E402, F401 - an autouse fixture


@pytest.fixture(autouse=True)
def fresh_lookup_counts():
    """Each test starts with no certificate lookups counted, and no verify page kept, in this
    process's memory."""
    from lms.certificates import lookups, views

    lookups.forget_local()
    views._pages.clear()
    yield
    lookups.forget_local()
    views._pages.clear()
