"""The lesson page's shortcuts stay correct: routing, cached outline, marks, view restrictions."""

import datetime

from django.utils import timezone
from wagtail.models import PageViewRestriction

from lms.courses.models import Enrolment, LessonProgress
from lms.courses.services import lesson_mark_done
from tests.factories.courses import build_course, course_index, lessons_of


def test_every_level_under_the_index_is_routed(client, learner):
    course = build_course(modules=2, lessons=2)
    lesson = lessons_of(course)[3]
    client.force_login(learner)
    assert client.get(course.url).status_code == 200
    assert client.get(lesson.url).status_code == 200
    module_response = client.get(lesson.get_parent().url)
    assert module_response.status_code == 302
    assert f"#module-{lesson.get_parent().pk}" in module_response["Location"]
    assert client.get(course.url + "khong-co/").status_code == 404
    assert client.get(lesson.url + "thua/").status_code == 404
    assert client.get(course_index().url).status_code == 200


def test_outline_follows_publication_and_the_learners_marks(client, learner):
    course = build_course(modules=1, lessons=3)
    first, second, third = lessons_of(course)
    client.force_login(learner)
    html = client.get(first.url).content.decode()
    assert third.title in html and "0/3" in html
    third.unpublish()
    html = client.get(first.url).content.decode()
    assert third.title not in html and "0/2" in html
    third.save_revision().publish()
    second.title = "Bài đã đổi tên"
    second.save_revision().publish()
    html = client.get(first.url).content.decode()
    assert "Bài đã đổi tên" in html and third.title in html
    lesson_mark_done(official=learner.official, lesson=second)
    html = client.get(first.url).content.decode()
    assert "1/3" in html
    assert html.count("badge-ok") == 1


def test_reloading_a_lesson_writes_nothing_but_another_lesson_does(
    client, learner, django_assert_max_num_queries
):
    course = build_course(lessons=2)
    first, second = lessons_of(course)
    client.force_login(learner)
    client.get(first.url)
    enrolment = Enrolment.objects.get(official=learner.official, course=course)
    seen = enrolment.last_seen_at
    client.get(first.url)
    enrolment.refresh_from_db()
    assert enrolment.last_seen_at == seen
    client.get(second.url)
    enrolment.refresh_from_db()
    assert enrolment.last_lesson_id == second.pk
    assert LessonProgress.objects.filter(official=learner.official, lesson=second).exists()
    # Long after, the same lesson is stamped again.
    Enrolment.objects.filter(pk=enrolment.pk).update(
        last_seen_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client.get(second.url)
    enrolment.refresh_from_db()
    assert timezone.now() - enrolment.last_seen_at < datetime.timedelta(minutes=1)


def test_view_restrictions_still_apply(client, learner):
    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]
    PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="bí mật"
    )
    client.force_login(learner)
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    assert "Hồ sơ" not in response.content.decode()


def test_learners_do_not_get_the_editor_bar(client, learner):
    course = build_course(lessons=1)
    client.force_login(learner)
    html = client.get(lessons_of(course)[0].url).content.decode()
    assert "wagtail-userbar" not in html
