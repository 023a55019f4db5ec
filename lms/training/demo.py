"""Demo sessions for ``manage.py load_demo``: two sessions in Bắc Ninh communes run by ``trainer``.

One upcoming (the demo ``learner`` invited), one in the past, closed, with attendance. Idempotent:
sessions are found again by title and host agency.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lms.agencies.models import Agency, Assignment, Official

from . import services
from .models import (
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    Registration,
    RegistrationStatus,
    SessionDay,
    SessionStatus,
    TrainingSession,
)

UPCOMING_TITLE = "Tập huấn áp dụng TCVN ISO 9001:2015 cho cấp xã – đợt 1"
PAST_TITLE = "Tập huấn đánh giá nội bộ hệ thống quản lý chất lượng"


def _officials_under(agency: Agency, limit: int) -> list[int]:
    ids = (
        Assignment.objects.filter(agency__path__startswith=agency.path, end_date__isnull=True)
        .order_by("official_id")
        .values_list("official_id", flat=True)
        .distinct()
    )
    return list(ids[:limit])


def _agency_of(official_ids) -> dict[int, int]:
    return services.current_agency_ids(official_ids)


@transaction.atomic
def load_demo(stdout=None) -> None:
    User = get_user_model()
    trainer = User.objects.filter(username="trainer").first()
    learner = User.objects.filter(username="learner").first()
    ward = Agency.objects.filter(code="07210", valid_to__isnull=True).first()
    other = Agency.objects.filter(code="07228", valid_to__isnull=True).first()
    if trainer is None or ward is None or other is None:
        if stdout:
            stdout.write("training: demo world missing (trainer, 07210 or 07228); skipped")
        return
    today = timezone.localdate()
    now = timezone.now()
    learner_official = Official.objects.filter(user=learner).first() if learner else None

    upcoming = TrainingSession.objects.filter(title=UPCOMING_TITLE, host_agency=ward).first()
    if upcoming is None:
        upcoming = TrainingSession.objects.create(
            title=UPCOMING_TITLE,
            description=(
                "PDCA, 5W1H, mục tiêu chất lượng SMART, hành động giải quyết rủi ro và cơ hội."
            ),
            host_agency=ward,
            venue="Hội trường Ủy ban nhân dân phường",
            address="Phường Bắc Giang, tỉnh Bắc Ninh",
            capacity=40,
            status=SessionStatus.OPEN,
            registration_deadline=now + datetime.timedelta(days=5),
            min_attendance_percent=100,
            created_by=trainer,
        )
        for offset in (7, 8):
            SessionDay.objects.create(
                session=upcoming,
                date=today + datetime.timedelta(days=offset),
                start_time=datetime.time(8, 0),
                end_time=datetime.time(11, 30),
            )
        upcoming.trainers.set([trainer])
        upcoming.target_agencies.set([ward])
        ids = _officials_under(ward, 12)
        if learner_official and learner_official.pk not in ids:
            ids.append(learner_official.pk)
        agencies = _agency_of(ids)
        Registration.objects.bulk_create(
            [
                Registration(
                    session=upcoming,
                    official_id=oid,
                    agency_id=agencies.get(oid),
                    status=RegistrationStatus.REGISTERED
                    if i % 3 == 0 and (not learner_official or oid != learner_official.pk)
                    else RegistrationStatus.INVITED,
                    invited_by=trainer,
                    invited_at=now,
                    registered_at=now if i % 3 == 0 else None,
                )
                for i, oid in enumerate(ids)
            ],
            ignore_conflicts=True,
        )

    past = TrainingSession.objects.filter(title=PAST_TITLE, host_agency=other).first()
    if past is None:
        past = TrainingSession.objects.create(
            title=PAST_TITLE,
            description=(
                "Đánh giá nội bộ theo TCVN ISO 9001:2015 (điều 9.2), "
                "hướng dẫn theo TCVN ISO 19011:2018."
            ),
            host_agency=other,
            venue="Phòng họp tầng 2",
            address="Phường Đa Mai, tỉnh Bắc Ninh",
            capacity=30,
            status=SessionStatus.OPEN,
            min_attendance_percent=100,
            created_by=trainer,
            created_at=now - datetime.timedelta(days=45),
        )
        days = [
            SessionDay.objects.create(
                session=past,
                date=today - datetime.timedelta(days=offset),
                start_time=datetime.time(8, 0),
                end_time=datetime.time(16, 30),
            )
            for offset in (30, 29)
        ]
        past.trainers.set([trainer])
        past.target_agencies.set([other, ward])
        ids = _officials_under(other, 8) + _officials_under(ward, 4)
        agencies = _agency_of(ids)
        registrations = Registration.objects.bulk_create(
            [
                Registration(
                    session=past,
                    official_id=oid,
                    agency_id=agencies.get(oid),
                    status=RegistrationStatus.REGISTERED,
                    invited_by=trainer,
                    invited_at=now - datetime.timedelta(days=40),
                    registered_at=now - datetime.timedelta(days=39),
                )
                for oid in dict.fromkeys(ids)
            ]
        )
        pattern = [
            (AttendanceStatus.PRESENT, AttendanceStatus.PRESENT),
            (AttendanceStatus.LATE, AttendanceStatus.PRESENT),
            (AttendanceStatus.PRESENT, AttendanceStatus.PRESENT),
            (AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED),
            (AttendanceStatus.PRESENT, AttendanceStatus.PRESENT),
            (AttendanceStatus.ABSENT, AttendanceStatus.ABSENT),
        ]
        marks = []
        for i, registration in enumerate(registrations):
            for day, status in zip(days, pattern[i % len(pattern)], strict=True):
                marks.append(
                    Attendance(
                        day=day,
                        registration=registration,
                        status=status,
                        method=AttendanceMethod.TRAINER,
                        marked_by=trainer,
                        marked_at=timezone.make_aware(
                            datetime.datetime.combine(day.date, datetime.time(8, 5))
                        ),
                    )
                )
        Attendance.objects.bulk_create(marks)
        services.session_close(session=past, by=trainer)
    if stdout:
        stdout.write(f"training: sessions “{upcoming.title}” and “{past.title}” ready")
