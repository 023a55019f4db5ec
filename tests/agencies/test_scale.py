"""generate_scale_data on a small scale: the national tree, officials spread by commune counts,
and the records around them."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from lms.agencies.models import Agency, Assignment, Official
from lms.certificates.models import Certificate, CertificateStatus
from lms.courses.models import Enrolment
from lms.quizzes.models import Sitting
from lms.training.models import Attendance, Registration
from tests.factories.courses import build_course
from tests.factories.quizzes import make_quiz

N = 600


@pytest.mark.django_db
def test_generate_scale_data_builds_a_national_set():
    build_course(title="Nhận thức HTQLCL", final_quiz=make_quiz())
    call_command("generate_scale_data", officials=N)
    provinces = Agency.objects.filter(depth=1)
    assert provinces.count() == 34
    assert Agency.objects.filter(depth=2).exclude(code="").count() == 3321
    assert Official.objects.count() == N
    # Everyone has exactly one current post, and every province has officials.
    assert Assignment.objects.values("official").distinct().count() == N
    for province in provinces:
        assert Assignment.objects.filter(agency__path__startswith=province.path).exists()
    # The largest province (by communes) has more officials than the smallest.
    by_communes = sorted(provinces, key=lambda p: p.numchild)
    small, large = by_communes[0], by_communes[-1]
    assert Assignment.objects.filter(agency__path__startswith=large.path).count() > (
        Assignment.objects.filter(agency__path__startswith=small.path).count()
    )
    assert Enrolment.objects.filter(completed_at__isnull=False).exists()
    assert Enrolment.objects.filter(due_date__isnull=False).exists()
    assert (
        Sitting.objects.filter(passed=True).exists()
        and Sitting.objects.filter(passed=False).exists()
    )
    assert Registration.objects.exists() and Attendance.objects.exists()
    today = datetime.date.today()
    assert Certificate.objects.filter(status=CertificateStatus.REVOKED).exists()
    assert Certificate.objects.filter(valid_until__lt=today).exists()
    assert Certificate.objects.filter(
        status=CertificateStatus.VALID, valid_until__gte=today
    ).exists()
    # A second run refuses the database that now has officials.
    with pytest.raises(CommandError, match="already has officials"):
        call_command("generate_scale_data", officials=N)


def _snapshot() -> dict:
    """The generated rows, by values that do not depend on database sequences."""
    from lms.competencies.models import CompetencyRecord
    from lms.courses.models import LessonProgress

    return {
        "officials": list(Official.objects.order_by("pk").values_list("pk", "full_name")),
        "posts": list(
            Assignment.objects.order_by("pk").values_list(
                "official_id", "agency__path", "position_kind", "start_date"
            )
        ),
        "enrolments": list(
            Enrolment.objects.order_by("pk").values_list(
                "pk", "official_id", "course_id", "source", "due_date", "completed_at"
            )
        ),
        "progress": list(
            LessonProgress.objects.order_by("pk").values_list("official_id", "lesson_id")
        ),
        "sittings": list(
            Sitting.objects.order_by("pk").values_list("official_id", "attempt", "percent")
        ),
        "registrations": list(
            Registration.objects.order_by("pk").values_list(
                "session__title", "official_id", "completed", "attendance_percent"
            )
        ),
        "attendances": list(
            Attendance.objects.order_by("pk").values_list("registration_id", "status")
        ),
        "certificates": list(
            Certificate.objects.order_by("pk").values_list(
                "code", "official_id", "enrolment_id", "issued_on", "valid_until", "status"
            )
        ),
        "records": list(
            CompetencyRecord.objects.order_by("pk").values_list(
                "official_id", "competency_id", "certificate__code", "held"
            )
        ),
    }


def _schema(tables: list[str]) -> set:
    """Index and constraint definitions of ``tables`` (PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables]
        )
        found = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        return found | set(cursor.fetchall())


@pytest.mark.django_db
def test_generation_is_deterministic_and_consistent():
    """The same seed on the same database gives the same rows; the rows are whole (every
    post, lesson and certificate points at rows that exist) and, on PostgreSQL, the keys and
    indexes dropped for the COPY load are all back."""
    from django.db import connection, transaction

    from lms.agencies.scale import scale_data_generate
    from lms.competencies.models import CompetencyRecord
    from lms.courses.models import LessonProgress

    build_course(title="Nhận thức HTQLCL", final_quiz=make_quiz())
    scale_data_generate(officials=50, seed=7)  # the units, courses and framework, once
    tables = [
        m._meta.db_table
        for m in (Official, Assignment, Enrolment, LessonProgress, Sitting, Certificate)
    ]
    postgres = connection.vendor == "postgresql"
    before = _schema(tables) if postgres else set()
    runs = []
    for seed in (11, 11, 12):
        with transaction.atomic():
            counts = scale_data_generate(officials=300, seed=seed)
            runs.append(_snapshot())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0]["officials"] != runs[2]["officials"]
    assert counts.officials == 300 and counts.lesson_progress > 0
    if postgres:
        assert _schema(tables) == before
    # Within a run: the counts match the rows, and every reference lands.
    progress, certificates = LessonProgress.objects.count(), Certificate.objects.count()
    with transaction.atomic():
        counts = scale_data_generate(officials=300, seed=11)
        assert Official.objects.count() == 350
        assert LessonProgress.objects.count() == progress + counts.lesson_progress
        assert Certificate.objects.count() == certificates + counts.certificates
        assert CompetencyRecord.objects.filter(held=True, certificate__isnull=True).count() == 0
        completed = Enrolment.objects.filter(completed_at__isnull=False)
        assert Certificate.objects.filter(enrolment__in=completed).count() == completed.count()
        # A completed course has progress on every lesson; the last one is the last seen.
        enrolment = completed.first()
        assert (
            LessonProgress.objects.filter(
                official_id=enrolment.official_id, course_id=enrolment.course_id
            ).count()
            >= 1
        )
        assert enrolment.last_lesson_id is not None
        # New rows made afterwards take keys past the generated ones.
        official = Official.objects.create(full_name="Người mới")
        assert official.pk > max(pk for pk, _name in runs[0]["officials"])
