"""The learner's state kept in the cache for the lesson fast path (lms/courses/learners.py): no
query once warm, and never stale: not after the learner's own change, nor another's, nor a change
committed while the rows were being read."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from lms.courses import learners, pagecache
from lms.courses.models import Enrolment
from lms.courses.services import enrolment_create
from tests.courses.test_pagecache import same_page, slow_html
from tests.factories.courses import build_course, lessons_of

pytestmark = pytest.mark.usefixtures("fresh_memo")


def warm(client, *urls):
    for url in urls:
        for _ in range(3):
            assert client.get(url).status_code == 200


def test_a_lesson_marked_done_shows_on_the_very_next_page(
    client, learner, settings, served, django_assert_num_queries
):
    course = build_course(lessons=3)
    first, second, _third = lessons_of(course)
    enrolment_create(official=learner.official, course=course)
    client.force_login(learner)
    warm(client, first.url, second.url)
    with django_assert_num_queries(0):
        before = client.get(second.url)
    assert served(before)
    response = client.post(reverse("courses:lesson_done", args=[first.pk]))
    assert response.status_code == 302
    after = client.get(second.url)  # the first page after the change: no warming
    assert served(after)
    html = after.content.decode()
    assert before.content.decode().count("badge-ok") == 0 and html.count("badge-ok") == 1
    assert same_page(html, slow_html(client, second.url, settings))


def test_an_enrolment_removed_by_someone_else_is_not_served_from_the_cache(
    client, learner, served, django_assert_num_queries
):
    course = build_course(lessons=2, open_enrolment=False)
    lesson = lessons_of(course)[0]
    enrolment = enrolment_create(official=learner.official, course=course, source="assigned")
    client.force_login(learner)
    warm(client, lesson.url)
    with django_assert_num_queries(0):
        assert served(client.get(lesson.url))
    Enrolment.objects.get(pk=enrolment.pk).delete()
    response = client.get(lesson.url)
    assert not served(response)
    assert response.status_code != 200 or "lesson-done" not in response.content.decode()


def test_a_commit_renews_the_version_and_rows_read_before_it_are_not_current(
    learner, django_capture_on_commit_callbacks
):
    course = build_course(lessons=2)
    enrolment = enrolment_create(official=learner.official, course=course)
    official_id, user_id = learner.official.pk, learner.pk
    key = learners.version_key(official_id)
    cache.set(key, "read-before")
    learners.officials.put(user_id, official_id)
    # A change commits while a page is reading the rows under "read-before".
    with django_capture_on_commit_callbacks(execute=True):
        learners.changed([official_id])
        assert cache.get(key) is None  # dropped at once, before the commit
    renewed = cache.get(key)
    assert renewed not in (None, "read-before")
    old = pagecache.Learner(
        stamp="g.r",
        enrolment_id=enrolment.pk,
        official_id=official_id,
        completed=False,
        seen_recently=False,
        done=frozenset(),
        marks={},
    )
    learners.remember(
        user_id=user_id,
        course_id=course.pk,
        learner=old,
        read_for=official_id,
        version="read-before",
        generation="g",
        generation_cached=True,
        quizzes=(),
    )
    generation, version, entry = learners.read(user_id=user_id, course_id=course.pk, found=None)
    assert entry is not None and version == renewed
    assert not learners.valid(entry, version=version, generation="g", quizzes=())
    # Without any version, rows read are not kept: a version is set for the next read.
    cache.delete(key)
    cache.delete(learners.state_key(user_id, course.pk))
    learners.remember(
        user_id=user_id,
        course_id=course.pk,
        learner=old,
        read_for=official_id,
        version=None,
        generation="g",
        generation_cached=True,
        quizzes=(),
    )
    assert cache.get(learners.state_key(user_id, course.pk)) is None
    assert cache.get(key) is not None


def test_pages_are_served_from_the_database_when_the_cache_cannot_answer(
    client, learner, served, monkeypatch
):
    course = build_course(lessons=2)
    lesson = lessons_of(course)[0]
    enrolment_create(official=learner.official, course=course)
    client.force_login(learner)
    warm(client, lesson.url)

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(learners, "cache", Down())
    assert learners.read(user_id=learner.pk, course_id=course.pk, found=None) == (None,) * 3
    response = client.get(lesson.url)
    assert response.status_code == 200 and served(response)


def test_another_learner_never_gets_the_state_of_the_first(client, make_user, tree, served):
    course = build_course(lessons=2)
    first, second = lessons_of(course)
    ana = make_user(agency=tree["commune_a1"], full_name="Ana")
    binh = make_user(agency=tree["commune_a2"], full_name="Bình")
    for user in (ana, binh):
        enrolment_create(official=user.official, course=course)
    client.force_login(ana)
    warm(client, first.url)
    client.post(reverse("courses:lesson_done", args=[first.pk]))
    warm(client, second.url)
    ana_html = client.get(second.url).content.decode()
    client.force_login(binh)
    warm(client, second.url)
    response = client.get(second.url)
    assert served(response)
    html = response.content.decode()
    assert "Bình" in html and "Ana" not in html
    assert ana_html.count("badge-ok") == 1 and html.count("badge-ok") == 0
