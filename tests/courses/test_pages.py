"""Course and lesson pages served by Wagtail; my learning; query counts independent of size."""

import pytest
from django.urls import reverse

from lms.core.models import Role
from lms.courses.models import Enrolment, LessonProgress
from lms.courses.services import lesson_mark_done
from tests.factories.courses import build_course, lessons_of


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_from_a_lesson(client):
    course = build_course()
    lesson = lessons_of(course)[0]
    response = client.get(lesson.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_course_page_shows_outline_and_enrol_button(client, learner):
    course = build_course(modules=2, lessons=2)
    client.force_login(learner)
    response = client.get(course.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bài 2.2" in html
    assert reverse("courses:enrol", args=[course.pk]) in html


def test_opening_a_lesson_of_an_open_course_enrols_and_remembers_it(client, learner):
    course = build_course()
    second = lessons_of(course)[1]
    client.force_login(learner)
    response = client.get(second.url)
    assert response.status_code == 200
    enrolment = Enrolment.objects.get(official=learner.official, course=course)
    assert enrolment.source == "self"
    assert enrolment.last_lesson_id == second.pk
    assert LessonProgress.objects.get(official=learner.official, lesson=second).last_seen_at
    html = response.content.decode()
    assert "Check yourself" in html or "Tự kiểm tra" in html
    assert "<details>" in html
    assert "youtube-nocookie.com/embed/dQw4w9WgXcQ" in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    # "Continue" on my learning goes to the last lesson seen.
    response = client.get(reverse("courses:my_learning"))
    assert second.url in response.content.decode()


def test_closed_course_lessons_need_an_enrolment(client, learner):
    course = build_course(open_enrolment=False)
    lesson = lessons_of(course)[0]
    client.force_login(learner)
    assert client.get(lesson.url).status_code == 403
    Enrolment.objects.create(official=learner.official, course=course, source="assigned")
    assert client.get(lesson.url).status_code == 200


def test_editor_reads_lessons_without_enrolling(client, make_user, tree):
    editor = make_user(role=Role.EDITOR, official_agency=tree["province_a"])
    course = build_course(open_enrolment=False)
    client.force_login(editor)
    assert client.get(lessons_of(course)[0].url).status_code == 200
    assert not Enrolment.objects.exists()


def test_unpublished_lesson_is_not_served(client, learner):
    course = build_course()
    lesson = lessons_of(course)[0]
    lesson.unpublish()
    client.force_login(learner)
    assert client.get(lesson.url).status_code == 404


def test_lesson_done_button_marks_progress_and_htmx_gets_a_fragment(client, learner):
    course = build_course(lessons=2)
    first, second = lessons_of(course)
    client.force_login(learner)
    url = reverse("courses:lesson_done", args=[first.pk])
    response = client.post(url, {"next": first.url}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="lesson-done"' in response.content.decode()
    assert LessonProgress.objects.get(official=learner.official, lesson=first).completed_at
    enrolment = Enrolment.objects.get(official=learner.official, course=course)
    assert enrolment.completed_at is None
    response = client.post(reverse("courses:lesson_done", args=[second.pk]), {"next": second.url})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None


def test_body_cache_follows_publication(client, learner):
    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]
    client.force_login(learner)
    assert "Hồ sơ" in client.get(lesson.url).content.decode()
    lesson.body = [{"type": "text", "value": "Nội dung mới về **PDCA**."}]
    lesson.save_revision().publish()
    html = client.get(lesson.url).content.decode()
    assert "Nội dung mới" in html
    assert "Hồ sơ <strong>một cửa</strong>" not in html


def _lesson_queries(client, django_assert_max_num_queries, lesson, limit):
    client.get(lesson.url)  # warm caches (site root paths, rendered body)
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(lesson.url)
    assert response.status_code == 200
    return len(captured)


def test_lesson_page_query_count_does_not_grow_with_course_size(
    client, learner, django_assert_max_num_queries
):
    small = build_course(modules=1, lessons=3)
    big = build_course(modules=3, lessons=5)
    lesson_mark_done(official=learner.official, lesson=lessons_of(big)[0])
    client.force_login(learner)
    small_count = _lesson_queries(client, django_assert_max_num_queries, lessons_of(small)[1], 14)
    big_count = _lesson_queries(client, django_assert_max_num_queries, lessons_of(big)[7], 14)
    assert small_count == big_count


def test_course_page_query_count_does_not_grow(client, learner, django_assert_max_num_queries):
    small = build_course(modules=1, lessons=3)
    big = build_course(modules=3, lessons=5)
    client.force_login(learner)
    counts = []
    for course in (small, big):
        client.get(lessons_of(course)[0].url)  # enrols
        client.get(course.url)
        with django_assert_max_num_queries(25) as captured:
            assert client.get(course.url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_my_learning_query_count_does_not_grow(client, learner, django_assert_max_num_queries):
    client.force_login(learner)
    build_course(lessons=3)
    counts = []
    for _ in range(2):
        client.get(lessons_of(build_course(modules=2, lessons=4))[0].url)
        client.get(reverse("courses:my_learning"))
        with django_assert_max_num_queries(15) as captured:
            response = client.get(reverse("courses:my_learning"))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert response.content.decode().count('<li class="card') == 2


def test_my_learning_marks_overdue(client, learner):
    import datetime

    course = build_course()
    Enrolment.objects.create(
        official=learner.official,
        course=course,
        source="assigned",
        due_date=datetime.date(2020, 1, 1),
    )
    client.force_login(learner)
    html = client.get(reverse("courses:my_learning")).content.decode()
    assert "badge-danger" in html
    assert "01/01/2020" in html
