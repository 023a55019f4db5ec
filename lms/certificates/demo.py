"""Demo certificates for ``manage.py load_demo``: 'learner' completed the awareness course and
holds its certificate; 'learner2' is one lesson and the final quiz away from it (a tester, or the
browser tests, finish the course and see the certificate issued)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

DEMO_COURSE = "ISO-NT"


def load_demo(stdout) -> None:
    """Idempotent: the learner's certificate is issued once (its source key is the enrolment)."""
    from django.contrib.auth import get_user_model

    from lms.agencies.selectors import official_for_user
    from lms.courses import learners
    from lms.courses.models import CoursePage, Enrolment, LessonPage
    from lms.courses.services import enrolment_create, lesson_mark_done

    from .models import CertificateSettings
    from .services import certificate_issue

    learner = get_user_model().objects.filter(username="learner").first()
    official = official_for_user(learner) if learner else None
    course = CoursePage.objects.live().filter(code=DEMO_COURSE).first()
    if official is None or course is None:
        stdout.write(f"certificates: no 'learner' or course {DEMO_COURSE}; skipped")
        return
    with transaction.atomic():
        settings_row = CertificateSettings.load()
        if not settings_row.signer_name:
            settings_row.signer_name = "Nguyễn Văn An (tên minh họa)"
            settings_row.save(update_fields=["signer_name"])
        enrolment = enrolment_create(official=official, course=course, source="assigned")
        for lesson in LessonPage.objects.live().descendant_of(course).order_by("path"):
            lesson_mark_done(official=official, lesson=lesson, enrolment=enrolment)
        # The final quiz is not sat in the demo: the enrolment is marked complete as passing it
        # would, and the certificate records the score such a sitting would have given.
        Enrolment.objects.filter(pk=enrolment.pk, completed_at__isnull=True).update(
            completed_at=timezone.now()
        )
        learners.changed([official.pk])
        certificate, created = certificate_issue(
            source_key=f"enrolment:{enrolment.pk}",
            official=official,
            course=course,
            enrolment=enrolment,
            score=Decimal("90.00"),
        )
    state = "issued" if created else "already issued"
    stdout.write(f"certificates: 'learner' holds {certificate.code} for {course.code} ({state})")
    _almost_done(stdout, course)


def _almost_done(stdout, course) -> None:
    """'learner2': every lesson of the course done but the last, the final quiz not sat."""
    from django.contrib.auth import get_user_model

    from lms.agencies.selectors import official_for_user
    from lms.courses.models import LessonPage
    from lms.courses.services import enrolment_create, lesson_mark_done

    user = get_user_model().objects.filter(username="learner2").first()
    official = official_for_user(user) if user else None
    if official is None:
        stdout.write("certificates: no 'learner2'; skipped")
        return
    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
    with transaction.atomic():
        enrolment = enrolment_create(official=official, course=course, source="assigned")
        if enrolment.completed_at is None:
            for lesson in lessons[:-1]:
                lesson_mark_done(official=official, lesson=lesson, enrolment=enrolment)
    stdout.write(
        f"certificates: 'learner2' has {len(lessons) - 1} of the {len(lessons)} lessons of "
        f"{course.code} done; the last lesson and the final quiz give the certificate"
    )
