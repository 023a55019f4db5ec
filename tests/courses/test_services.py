"""Enrolment, bulk assignment within scope, progress and completion."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.agencies.models import PositionKind
from lms.core.models import Role
from lms.courses import services
from lms.courses.models import Enrolment, LessonProgress
from lms.courses.signals import course_completed
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.factories.courses import build_course, lessons_of

DUE = datetime.date.today() + datetime.timedelta(days=30)


def test_self_enrolment_only_in_open_courses(learner):
    open_course = build_course()
    closed = build_course(open_enrolment=False)
    enrolment = services.enrolment_create(official=learner.official, course=open_course)
    assert enrolment.agency.name == "Xã A1"
    assert services.enrolment_create(official=learner.official, course=open_course) == enrolment
    with pytest.raises(ValidationError):
        services.enrolment_create(official=learner.official, course=closed)


def test_course_assign_reaches_current_officials_in_subtree_once(make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    course = build_course(open_enrolment=False)
    in_a1 = [AssignmentFactory(agency=tree["commune_a1"]).official for _ in range(3)]
    leader = AssignmentFactory(
        agency=tree["commune_a2"], position_kind=PositionKind.LEADER
    ).official
    AssignmentFactory(agency=tree["commune_a2"], end_date=datetime.date(2024, 6, 1))  # left
    AssignmentFactory(agency=tree["commune_b1"])  # other province
    result = services.course_assign(
        course=course,
        agencies=[tree["province_a"]],
        position_kinds=[],
        due_date=DUE,
        by_user=secretary,
    )
    # 3 in A1, the leader in A2, and the secretary's own official record in province A.
    assert result.created == 5 and result.already == 0
    assert set(Enrolment.objects.values_list("official_id", flat=True)) >= {o.pk for o in in_a1} | {
        leader.pk
    }
    assert Enrolment.objects.filter(official=leader).get().agency == tree["commune_a2"]
    assert all(e.source == "assigned" and e.due_date == DUE for e in Enrolment.objects.all())
    again = services.course_assign(
        course=course,
        agencies=[tree["province_a"]],
        position_kinds=[],
        due_date=DUE,
        by_user=secretary,
    )
    assert (again.created, again.already) == (0, 5)
    assert Enrolment.objects.count() == 5


def test_course_assign_filters_positions(make_user, tree):
    trainer = make_user(role=Role.TRAINER, agency=tree["province_a"])
    course = build_course()
    AssignmentFactory(agency=tree["commune_a1"], position_kind=PositionKind.LEADER)
    AssignmentFactory(agency=tree["commune_a1"], position_kind=PositionKind.SPECIALIST)
    result = services.course_assign(
        course=course,
        agencies=[tree["commune_a1"]],
        position_kinds=[PositionKind.LEADER],
        due_date=None,
        by_user=trainer,
    )
    assert result.created == 1


def test_course_assign_refuses_agencies_outside_scope(make_user, tree):
    steering = make_user(role=Role.STEERING, agency=tree["province_a"])
    learner = make_user(role=Role.LEARNER, agency=tree["commune_a1"])
    course = build_course()
    with pytest.raises(PermissionDenied):
        services.course_assign(
            course=course,
            agencies=[tree["province_b"]],
            position_kinds=[],
            due_date=None,
            by_user=steering,
        )
    with pytest.raises(PermissionDenied):
        services.course_assign(
            course=course,
            agencies=[tree["commune_a1"]],
            position_kinds=[],
            due_date=None,
            by_user=learner,
        )
    assert not Enrolment.objects.exists()


def test_completion_all_lessons_sends_signal_once(learner):
    course = build_course(lessons=2)
    enrolment = services.enrolment_create(official=learner.official, course=course)
    received = []

    def receiver(sender, enrolment, **kwargs):
        received.append(enrolment.pk)

    course_completed.connect(receiver)
    try:
        first, second = lessons_of(course)
        services.lesson_mark_done(official=learner.official, lesson=first)
        assert Enrolment.objects.get().completed_at is None
        services.lesson_mark_done(official=learner.official, lesson=second)
        services.lesson_mark_done(official=learner.official, lesson=second)
        enrolment.refresh_from_db()
        assert enrolment.completed_at is not None
        assert services.enrolment_evaluate_completion(enrolment=enrolment)
    finally:
        course_completed.disconnect(receiver)
    assert received == [enrolment.pk]
    assert (
        LessonProgress.objects.filter(official=learner.official, completed_at__isnull=False).count()
        == 2
    )


def test_completion_waits_for_the_final_quiz(learner, monkeypatch):
    from lms.quizzes.models import Quiz

    quiz = Quiz.objects.create(title="Cuối khóa", slug="cuoi-khoa")
    course = build_course(lessons=1, completion="all_lessons_and_final_quiz", final_quiz=quiz)
    enrolment = services.enrolment_create(official=learner.official, course=course)
    passed = {"value": False}
    monkeypatch.setattr(
        "lms.quizzes.selectors.quiz_passed", lambda *, official, quiz: passed["value"]
    )
    services.lesson_mark_done(official=learner.official, lesson=lessons_of(course)[0])
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    passed["value"] = True

    class Sitting:
        official = learner.official

    Sitting.quiz = quiz
    services.on_sitting_finished(sender=None, sitting=Sitting())
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None


def test_unpublished_lessons_do_not_count(learner):
    course = build_course(lessons=2)
    first, second = lessons_of(course)
    second.unpublish()
    services.enrolment_create(official=learner.official, course=course)
    services.lesson_mark_done(official=learner.official, lesson=first)
    assert Enrolment.objects.get().completed_at is not None


def test_officials_without_assignment_are_not_assigned(make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    OfficialFactory()  # no post anywhere
    result = services.course_assign(
        course=build_course(),
        agencies=[tree["commune_a2"]],
        position_kinds=[],
        due_date=None,
        by_user=secretary,
    )
    assert result.total == 0
