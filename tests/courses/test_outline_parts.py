"""The lesson sidebar put together from parts (lms/courses/outline.py) is the sidebar the
templates render whole, to the byte, whatever the learner's marks; and a learner's marks show at
once on the cached lesson page, never on another learner's."""

import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from lms.courses import cachekeys, selectors
from lms.courses.outline import lesson_outline
from lms.courses.selectors import QuizMark
from lms.courses.services import enrolment_create
from tests.factories.courses import build_course, lessons_of

pytestmark = pytest.mark.usefixtures("fresh_memo")


def test_parts_give_the_whole_render_for_every_mark(db, django_assert_max_num_queries):
    from tests.factories.quizzes import make_quiz

    course = build_course(modules=2, lessons=2)
    module = course.get_children().specific().first()
    module.quiz = make_quiz(2)
    module.save_revision().publish()
    ids = [lesson.pk for lesson in lessons_of(course)]
    stamp = cachekeys.page_stamp()
    outline = selectors.cached_course_outline(course, stamp)
    quiz_id = outline[0]["quiz_id"]
    assert quiz_id == module.quiz.pk
    marks_cases = [
        {},
        {quiz_id: QuizMark(passed=True, percent=Decimal("100.00"))},
        {quiz_id: QuizMark(passed=False, percent=Decimal("37.50"))},
        {quiz_id: QuizMark(passed=False, percent=None)},
    ]
    done_cases = [set(c) for n in range(len(ids) + 1) for c in itertools.combinations(ids, n)]
    # A lesson done that is no longer in the outline (unpublished) does not count.
    done_cases.append({ids[0], 999999})
    for language in ("vi", "en"):
        with translation.override(language):
            for current, done, marks in itertools.product(ids, done_cases, marks_cases):
                whole = selectors.render_lesson_outline(
                    outline=selectors.cached_course_outline(course, stamp),
                    lesson_id=current,
                    done=done,
                    marks=marks,
                )
                parts = lesson_outline(
                    lambda: selectors.cached_course_outline(course, stamp),
                    stamp=stamp,
                    course_id=course.pk,
                    lesson_id=current,
                    done=done,
                    marks=marks,
                )
                assert parts == whole, (language, current, done, marks)
            # Once the parts are there, a sidebar costs no query and no outline.
            with django_assert_max_num_queries(0):
                lesson_outline(
                    lambda: pytest.fail("the outline is read once per lesson"),
                    stamp=stamp,
                    course_id=course.pk,
                    lesson_id=ids[0],
                    done={ids[1]},
                    marks={},
                )


def test_a_learner_marking_a_lesson_done_sees_it_at_once_and_no_one_else_does(
    client, learner, make_user, tree
):
    course = build_course(modules=1, lessons=3)
    first, second, third = lessons_of(course)
    other = make_user(agency=tree["commune_a2"], full_name="Người học khác")
    for user in (learner, other):
        enrolment_create(official=user.official, course=course)
    done_form = f'action="{reverse("courses:lesson_done", args=[second.pk])}"'
    client.force_login(other)
    client.get(second.url)
    assert "0/3" in client.get(second.url).content.decode()
    client.force_login(learner)
    client.get(second.url)  # the slow path remembers the route; then the cache answers
    html = client.get(second.url).content.decode()
    assert done_form in html and "0/3" in html and html.count("badge-ok") == 0
    response = client.post(reverse("courses:lesson_done", args=[second.pk]))
    assert response.status_code in (200, 302)
    for lesson in (second, first, third):
        html = client.get(lesson.url).content.decode()
        assert "1/3" in html and html.count("badge-ok") >= 1, lesson.title
        assert done_form not in html
    # The other learner, on the same lesson and the same cached parts, still has nothing done.
    client.force_login(other)
    html = client.get(second.url).content.decode()
    assert done_form in html and "0/3" in html and html.count("badge-ok") == 0
