"""Where learners were last seen, queued per process and written in batches (lms/courses/seen.py):
a cached lesson page writes nothing, one flush writes every waiting visit, the latest visit wins
whatever order the queues are flushed in, and "My learning" shows the place to resume at once."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.courses import seen
from lms.courses.models import Enrolment, LessonProgress
from lms.courses.services import enrolment_create
from tests.factories.courses import build_course, lessons_of

pytestmark = pytest.mark.usefixtures("fresh_memo")


@pytest.fixture
def queue(monkeypatch, settings):
    """This process's queue, batching on, flushed only when the test says so."""
    settings.LESSON_SEEN_FLUSH_SECONDS = 3600
    settings.LESSON_SEEN_FLUSH_SIZE = 10_000
    fresh = seen.SeenQueue(thread=False)
    monkeypatch.setattr(seen, "queue", fresh)
    return fresh


def _my_learning(client) -> str:
    response = client.get(reverse("courses:my_learning"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_lesson_page_writes_nothing_and_one_flush_writes_every_visit(
    client, learner, queue, django_assert_num_queries
):
    course = build_course(lessons=3)
    lessons = lessons_of(course)
    enrolment = enrolment_create(official=learner.official, course=course)
    client.force_login(learner)
    for lesson in lessons + lessons:
        # The slow path learns each route, the fast path renders each skeleton once.
        client.get(lesson.url)
    queue.flush()
    first, second, third = lessons
    enrolment.refresh_from_db()
    assert enrolment.last_lesson_id == third.pk
    # Other lessons on the fast path: no read (the learner's state is in the cache), no write.
    with django_assert_num_queries(0):
        assert client.get(first.url).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(second.url).status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.last_lesson_id == third.pk  # not written yet
    assert queue.pending_enrolment(enrolment.pk)[0] == second.pk
    # "My learning" in this process already links to the lesson last opened.
    assert f'href="{second.url}"' in _my_learning(client)
    assert queue.flush() == 3  # two progress rows, one enrolment: the latest visit of each
    assert len(queue) == 0
    enrolment.refresh_from_db()
    assert enrolment.last_lesson_id == second.pk
    times = dict(
        LessonProgress.objects.filter(official=learner.official).values_list(
            "lesson_id", "last_seen_at"
        )
    )
    assert set(times) == {first.pk, second.pk, third.pk}
    assert times[third.pk] < times[first.pk] < times[second.pk]
    assert enrolment.last_seen_at == times[second.pk]
    assert f'href="{second.url}"' in _my_learning(client)


@pytest.mark.django_db(transaction=True)  # outside a transaction: PostgreSQL's batch statements
def test_the_latest_visit_wins_whatever_order_the_queues_are_flushed_in(learner):
    course = build_course(lessons=2)
    first, second = lessons_of(course)
    enrolment = enrolment_create(official=learner.official, course=course)
    now = timezone.now()
    earlier, later = now - datetime.timedelta(seconds=5), now
    one, other = seen.SeenQueue(thread=False), seen.SeenQueue(thread=False)
    visit = {
        "official_id": learner.official.pk,
        "course_id": course.pk,
        "enrolment_id": enrolment.pk,
    }
    # Two processes: the later visit (second lesson) is flushed first, the earlier one after.
    one.add(lesson_id=first.pk, seen_at=earlier, **visit)
    between = later - datetime.timedelta(seconds=1)
    other.add(lesson_id=first.pk, seen_at=between, **visit)
    other.add(lesson_id=second.pk, seen_at=later, **visit)
    other.flush()
    one.flush()
    enrolment.refresh_from_db()
    assert (enrolment.last_lesson_id, enrolment.last_seen_at) == (second.pk, later)
    row = LessonProgress.objects.get(official=learner.official, lesson=first)
    assert row.last_seen_at == between
    # Within one queue, a visit older than the one waiting (threads finishing out of order)
    # does not replace it.
    one.add(lesson_id=first.pk, seen_at=later + datetime.timedelta(seconds=1), **visit)
    one.add(lesson_id=second.pk, seen_at=later, **visit)
    assert one.pending_enrolment(enrolment.pk)[0] == first.pk
    one.flush()
    enrolment.refresh_from_db()
    assert enrolment.last_lesson_id == first.pk


def test_a_completed_lesson_keeps_its_completion_when_a_visit_is_flushed(learner, queue):
    from lms.courses.services import lesson_mark_done

    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]
    enrolment = enrolment_create(official=learner.official, course=course)
    seen.record(
        official_id=learner.official.pk,
        lesson_id=lesson.pk,
        course_id=course.pk,
        enrolment_id=enrolment.pk,
    )
    progress = lesson_mark_done(official=learner.official, lesson=lesson, enrolment=enrolment)
    queue.flush()
    progress.refresh_from_db()
    assert progress.completed_at is not None
    assert LessonProgress.objects.filter(official=learner.official).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_visit_naming_a_deleted_row_loses_only_itself(learner):
    course = build_course(lessons=2)
    first, second = lessons_of(course)
    enrolment = enrolment_create(official=learner.official, course=course)
    queue = seen.SeenQueue(thread=False)
    now = timezone.now()
    queue.add(
        official_id=learner.official.pk,
        lesson_id=second.pk,
        course_id=course.pk,
        enrolment_id=enrolment.pk,
        seen_at=now,
    )
    # An official deleted meanwhile: its progress row cannot be written.
    queue.add(
        official_id=10**9, lesson_id=first.pk, course_id=course.pk, enrolment_id=None, seen_at=now
    )
    queue.flush()
    enrolment.refresh_from_db()
    assert enrolment.last_lesson_id == second.pk
    assert list(LessonProgress.objects.values_list("official_id", "lesson_id")) == [
        (learner.official.pk, second.pk)
    ]
    assert len(queue) == 0


@pytest.mark.django_db(transaction=True)
def test_the_process_thread_writes_the_queue_within_the_flush_interval(learner, settings):
    settings.LESSON_SEEN_FLUSH_SECONDS = 0.05
    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]
    enrolment = enrolment_create(official=learner.official, course=course)
    queue = seen.SeenQueue()
    queue.add(
        official_id=learner.official.pk,
        lesson_id=lesson.pk,
        course_id=course.pk,
        enrolment_id=enrolment.pk,
        seen_at=timezone.now(),
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if Enrolment.objects.filter(pk=enrolment.pk, last_lesson_id=lesson.pk).exists():
            break
        time.sleep(0.05)
    assert Enrolment.objects.get(pk=enrolment.pk).last_lesson_id == lesson.pk
    assert LessonProgress.objects.filter(official=learner.official, lesson=lesson).exists()
    assert len(queue) == 0


def test_what_waits_at_exit_is_written(learner, queue):
    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]
    enrolment = enrolment_create(official=learner.official, course=course)
    seen.record(
        official_id=learner.official.pk,
        lesson_id=lesson.pk,
        course_id=course.pk,
        enrolment_id=enrolment.pk,
    )
    assert not Enrolment.objects.filter(last_lesson_id=lesson.pk).exists()
    seen._flush_at_exit()
    assert Enrolment.objects.get(pk=enrolment.pk).last_lesson_id == lesson.pk
