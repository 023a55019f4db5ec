"""Demo data for courses: sync content/, a learner part-way through a course, an assignment."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone


def load_demo(stdout) -> None:
    """Idempotent: re-running syncs nothing new and enrols nobody twice."""
    from django.contrib.auth import get_user_model

    from lms.agencies.models import AgencyKind
    from lms.agencies.selectors import official_for_user
    from lms.core.access import agency_in_scope

    from .models import CoursePage, LessonPage
    from .services import ASSIGNER_ROLES, course_assign, enrolment_create, lesson_mark_done

    content = settings.BASE_DIR / "content"
    if content.is_dir():
        try:
            call_command("sync_content", stdout=stdout, stderr=stdout)
        except CommandError as exc:
            stdout.write(
                f"courses: content not synchronised ({exc}); fix the file and run sync_content"
            )
    course = CoursePage.objects.live().order_by("path").first()
    if course is None:
        stdout.write("courses: no course in content/courses; skipped demo enrolments")
        return

    users = get_user_model().objects
    learner = users.filter(username="learner").first()
    official = official_for_user(learner) if learner else None
    if official is not None:
        enrolment = enrolment_create(official=official, course=course, source="assigned")
        for lesson in LessonPage.objects.live().descendant_of(course).order_by("path")[:2]:
            lesson_mark_done(official=official, lesson=lesson, enrolment=enrolment)
        stdout.write(f"courses: 'learner' enrolled in {course.code} with two lessons done")

    awareness = CoursePage.objects.live().filter(code="ISO-NT").first()
    assigner = users.filter(username="secretary").first()
    if awareness is None or assigner is None:
        return
    from lms.agencies.models import Agency

    communes = [
        agency
        for agency in Agency.objects.filter(
            kind__in=[AgencyKind.COMMUNE, AgencyKind.WARD, AgencyKind.SPECIAL_ZONE],
            assignments__end_date__isnull=True,
        ).distinct()
        if agency_in_scope(assigner, agency, *ASSIGNER_ROLES)
    ]
    if communes:
        result = course_assign(
            course=awareness,
            agencies=communes,
            position_kinds=(),
            due_date=timezone.localdate() + datetime.timedelta(days=30),
            by_user=assigner,
        )
        stdout.write(
            f"courses: ISO-NT assigned to {result.created} commune officials "
            f"({result.already} already enrolled)"
        )
