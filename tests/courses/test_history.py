"""Enrolments and lesson completions are QMS records: each change has a history row."""

from lms.core.models import Role
from lms.courses import services
from lms.courses.models import Enrolment, EnrolmentSource, LessonProgress
from tests.factories.courses import build_course, lessons_of


def test_assigning_and_completing_a_course_is_in_the_history(make_user, tree, learner):
    course = build_course(lessons=1)
    [lesson] = lessons_of(course)
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"], username="t_sec")
    result = services.course_assign(course=course, agencies=[tree["commune_a1"]], by_user=secretary)
    assert result.created >= 1
    enrolment = Enrolment.objects.get(official=learner.official, course=course)
    assert [(h.history_type, h.history_user, h.source) for h in enrolment.history.all()] == [
        ("+", secretary, EnrolmentSource.ASSIGNED)
    ]
    services.lesson_mark_seen(
        official_id=learner.official.pk,
        lesson_id=lesson.pk,
        course_id=course.pk,
        enrolment_id=enrolment.pk,
    )
    progress = LessonProgress.objects.get(official=learner.official, lesson=lesson)
    assert not progress.history.exists()  # a lesson merely seen is no evidence
    services.lesson_mark_done(official=learner.official, lesson=lesson, enrolment=enrolment)
    done = progress.history.get()
    assert done.completed_at is not None
    last = enrolment.history.first()
    assert last.history_type == "~" and last.prev_record.completed_at is None
    assert last.completed_at is not None
