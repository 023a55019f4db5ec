"""A national data set for measuring the platform at scale (``manage.py generate_scale_data``).

The 34 provinces and 3,321 communes of the official list, a People's Committee and departments
in each province, and officials spread over them by the provinces' commune counts; for them:
posts, enrolments (some assigned with a due date, some completed), final-quiz attempts, training
sessions with registrations and attendance, certificates (some expired, some revoked) and
competency records. Rows are written with bulk inserts, province by province in batches, so
memory stays flat and 2,000,000 officials take a few times the time of 500,000. History tables
are not filled: the set is synthetic and has no past to audit.
"""

from __future__ import annotations

import datetime
import io
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lms.core.text import fold

from .models import Agency, AgencyKind, Assignment, Official, PositionKind
from .services import agencies_bulk_add, units_load
from .units import REFORM_DATE

logger = logging.getLogger(__name__)

BATCH = 5000
DEPARTMENTS = (
    "Văn phòng UBND tỉnh",
    "Sở Khoa học và Công nghệ",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Nông nghiệp và Môi trường",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Công Thương",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Thanh tra tỉnh",
)
DEPARTMENT_SHARE = 0.2  # of a province's officials, in its departments
SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Hữu Đức Minh Thanh Quang Ngọc Thu Hoài Xuân Kim Gia Bảo".split()
GIVEN = (
    "An Anh Bình Châu Chi Cường Dũng Duy Giang Hà Hải Hạnh Hiền Hiếu Hoa Hùng Hương Huy Khánh "
    "Lan Linh Long Mai Minh Nam Nga Ngân Nhung Phong Phúc Phương Quân Quỳnh Sơn Tâm Thảo Thắng "
    "Thủy Trang Trung Tuấn Tùng Uyên Vân Việt Vy Yến"
).split()


@dataclass
class ScaleCounts:
    provinces: int = 0
    communes: int = 0
    departments: int = 0
    officials: int = 0
    enrolments: int = 0
    completed: int = 0
    sittings: int = 0
    sessions: int = 0
    registrations: int = 0
    attendances: int = 0
    certificates: int = 0
    competency_records: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _aware(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _departments(provinces: list[Agency]) -> int:
    """A People's Committee and the departments under each province that has none yet."""
    having = set(
        Agency.objects.filter(depth=2, kind=AgencyKind.DEPARTMENT).values_list("path", flat=True)
    )
    added = 0
    for province in provinces:
        if any(p.startswith(province.path) for p in having):
            continue
        nodes = [
            Agency(kind=AgencyKind.PEOPLES_COMMITTEE, name=f"UBND {province.name}", source="scale")
        ] + [
            Agency(kind=AgencyKind.DEPARTMENT, name=f"{name} – {province.name}", source="scale")
            for name in DEPARTMENTS
        ]
        for node in nodes:
            node.valid_from = REFORM_DATE
        agencies_bulk_add(parent=province, nodes=nodes)
        added += len(nodes)
    return added


def _share(total: int, weights: list[int]) -> list[int]:
    """``total`` split over ``weights`` (largest remainders), summing exactly to ``total``."""
    whole = sum(weights) or 1
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts


class _Generator:
    def __init__(self, *, officials: int, seed: int, today: datetime.date, log: Callable):
        from lms.competencies.models import Competency
        from lms.courses.models import CoursePage

        self.total = officials
        self.rng = random.Random(seed)
        self.today = today
        self.log = log
        self.counts = ScaleCounts()
        self.courses = list(CoursePage.objects.live().order_by("pk"))
        self.quiz_of = {c.pk: c.final_quiz_id for c in self.courses}
        self.competency_of: dict[int, int] = {}
        for competency in Competency.objects.filter(active=True).prefetch_related("courses"):
            for course in competency.courses.all():
                self.competency_of.setdefault(course.pk, competency.pk)
        self.certificate_serial = 0

    # -- officials and posts ------------------------------------------------------------------

    def run(self) -> ScaleCounts:
        provinces = list(Agency.objects.filter(depth=1, valid_to__isnull=True).order_by("path"))
        self.counts.provinces = len(provinces)
        self.counts.departments = _departments(provinces)
        children: dict[str, list[Agency]] = {}
        for agency in Agency.objects.filter(depth=2, valid_to__isnull=True).order_by("path"):
            children.setdefault(agency.path[: Agency.steplen], []).append(agency)
        communes = {p.pk: [a for a in children.get(p.path, []) if a.code] for p in provinces}
        self.counts.communes = sum(len(c) for c in communes.values())
        per_province = _share(self.total, [len(communes[p.pk]) or 1 for p in provinces])
        for province, count in zip(provinces, per_province, strict=True):
            offices = [a for a in children.get(province.path, []) if not a.code] or [province]
            territorial = communes[province.pk] or [province]
            in_offices = int(count * DEPARTMENT_SHARE)
            plan = list(zip(offices, _share(in_offices, [1] * len(offices)), strict=True))
            plan += list(
                zip(
                    territorial,
                    _share(count - in_offices, [self.rng.randint(8, 12) for _ in territorial]),
                    strict=True,
                )
            )
            self._province(province, plan)
            self.log(f"{province.name}: {count} officials")
        return self.counts

    def _province(self, province: Agency, plan: list[tuple[Agency, int]]) -> None:
        batch: list[tuple[Agency, int]] = []  # (agency, index of the official in its agency)
        for agency, count in plan:
            for index in range(count):
                batch.append((agency, index))
                if len(batch) >= BATCH:
                    self._officials(batch)
                    batch = []
        if batch:
            self._officials(batch)
        self._sessions(province)

    def _position(self, index: int) -> str:
        if index == 0:
            return PositionKind.ISO_SECRETARY
        if index == 1:
            return PositionKind.LEADER
        roll = self.rng.random()
        if roll < 0.06:
            return PositionKind.ONE_STOP_OFFICER
        if roll < 0.09:
            return PositionKind.INTERNAL_AUDITOR
        return PositionKind.SPECIALIST

    @transaction.atomic
    def _officials(self, batch: list[tuple[Agency, int]]) -> None:
        rng = self.rng
        people = []
        for _agency, _index in batch:
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            people.append(Official(full_name=name, name_folded=fold(name)))
        people = Official.objects.bulk_create(people, batch_size=BATCH)
        posts = []
        for official, (agency, index) in zip(people, batch, strict=True):
            start = REFORM_DATE + datetime.timedelta(days=rng.randint(0, 300))
            posts.append(
                Assignment(
                    official=official,
                    agency=agency,
                    position_kind=self._position(index),
                    start_date=start,
                )
            )
        Assignment.objects.bulk_create(posts, batch_size=BATCH)
        self.counts.officials += len(people)
        self._learning(
            [(o.pk, a.pk, o.full_name) for o, (a, _i) in zip(people, batch, strict=True)]
        )

    # -- courses, attempts, certificates -------------------------------------------------------

    def _learning(self, officials: list[tuple[int, int, str]]) -> None:
        from lms.courses.models import Enrolment, EnrolmentSource
        from lms.quizzes.models import Sitting, SittingState

        if not self.courses:
            return
        rng = self.rng
        enrolments, done = [], []
        names = {}
        for official_id, agency_id, name in officials:
            names[official_id] = name
            for course in rng.sample(
                self.courses, k=min(len(self.courses), rng.choice((0, 1, 1, 2, 3)))
            ):
                assigned = rng.random() < 0.6
                enrolled = REFORM_DATE + datetime.timedelta(days=rng.randint(0, 480))
                enrolled = min(enrolled, self.today)
                completed = rng.random() < 0.45
                finished_on = min(
                    enrolled + datetime.timedelta(days=rng.randint(1, 90)), self.today
                )
                enrolment = Enrolment(
                    official_id=official_id,
                    course_id=course.pk,
                    agency_id=agency_id,
                    source=EnrolmentSource.ASSIGNED if assigned else EnrolmentSource.SELF,
                    due_date=enrolled + datetime.timedelta(days=rng.choice((30, 60, 90)))
                    if assigned
                    else None,
                    completed_at=_aware(finished_on, 15) if completed else None,
                    last_seen_at=_aware(finished_on, 14),
                )
                enrolments.append(enrolment)
                done.append((enrolment, course, completed, finished_on))
        Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
        self.counts.enrolments += len(enrolments)
        sittings, certificates = [], []
        for enrolment, course, completed, finished_on in done:
            quiz_id = self.quiz_of.get(course.pk)
            if quiz_id is None or not (completed or rng.random() < 0.3):
                if completed:
                    certificates.append((enrolment, course, finished_on))
                continue
            attempts = 1 if completed and rng.random() < 0.7 else 2
            for attempt in range(1, attempts + 1):
                passed = completed and attempt == attempts
                percent = Decimal(rng.randint(80, 100) if passed else rng.randint(20, 79))
                sittings.append(
                    Sitting(
                        quiz_id=quiz_id,
                        official_id=enrolment.official_id,
                        agency_id=enrolment.agency_id,
                        attempt=attempt,
                        started_at=_aware(finished_on, 9 + attempt),
                        submitted_at=_aware(finished_on, 10 + attempt),
                        finished_at=_aware(finished_on, 10 + attempt),
                        state=SittingState.FINISHED,
                        score=percent / 10,
                        max_score=Decimal(10),
                        percent=percent,
                        passed=passed,
                        pass_mark=80,
                    )
                )
            if completed:
                certificates.append((enrolment, course, finished_on))
        Sitting.objects.bulk_create(sittings, batch_size=BATCH)
        self.counts.sittings += len(sittings)
        self.counts.completed += len(certificates)
        self._certificates(
            [
                {
                    "official_id": e.official_id,
                    "holder_name": names[e.official_id],
                    "agency_id": e.agency_id,
                    "course": c,
                    "enrolment_id": e.pk,
                    "issued_on": day,
                }
                for e, c, day in certificates
            ]
        )

    def _certificates(self, rows: list[dict]) -> None:
        from lms.certificates.models import Certificate, CertificateStatus
        from lms.competencies.models import CompetencyRecord

        if not rows:
            return
        rng = self.rng
        certificates = []
        for row in rows:
            self.certificate_serial += 1
            # A fifth were issued two years earlier and have lapsed; 2 % are revoked.
            issued = row["issued_on"]
            if rng.random() < 0.2:
                issued = issued - datetime.timedelta(days=730 + rng.randint(1, 200))
            revoked = rng.random() < 0.02
            certificates.append(
                Certificate(
                    code=f"SCALE{self.certificate_serial:010d}",
                    source_key=f"scale:{row.get('enrolment_id') or row.get('registration_id')}"
                    f":{self.certificate_serial}",
                    official_id=row["official_id"],
                    holder_name=row["holder_name"],
                    agency_id=row["agency_id"],
                    course=row["course"],
                    course_title=row["course"].title if row["course"] else "",
                    session_id=row.get("session_id"),
                    enrolment_id=row.get("enrolment_id"),
                    registration_id=row.get("registration_id"),
                    issued_on=issued,
                    valid_until=issued + datetime.timedelta(days=730),
                    status=CertificateStatus.REVOKED if revoked else CertificateStatus.VALID,
                    revoked_at=_aware(self.today) if revoked else None,
                    revoked_reason="Cấp nhầm (dữ liệu thử tải)" if revoked else "",
                )
            )
        Certificate.objects.bulk_create(certificates, batch_size=BATCH)
        self.counts.certificates += len(certificates)
        records: dict[tuple[int, int], CompetencyRecord] = {}
        for certificate in certificates:
            competency_id = self.competency_of.get(certificate.course_id)
            if competency_id is None:
                continue
            held = (
                certificate.status == CertificateStatus.VALID
                and certificate.valid_until >= self.today
            )
            key = (certificate.official_id, competency_id)
            known = records.get(key)
            if known is None or (held and not known.held):
                records[key] = CompetencyRecord(
                    official_id=certificate.official_id,
                    competency_id=competency_id,
                    certificate=certificate if held else None,
                    held=held,
                    valid_until=certificate.valid_until,
                )
        CompetencyRecord.objects.bulk_create(
            list(records.values()), batch_size=BATCH, ignore_conflicts=True
        )
        self.counts.competency_records += len(records)

    # -- training sessions ----------------------------------------------------------------------

    @transaction.atomic
    def _sessions(self, province: Agency) -> None:
        """About one session per 2,000 officials of the province, each with 40 participants."""
        from lms.training.models import (
            Attendance,
            AttendanceMethod,
            AttendanceStatus,
            Registration,
            RegistrationStatus,
            SessionDay,
            SessionStatus,
            TrainingSession,
        )

        rng = self.rng
        posts = list(
            Assignment.objects.filter(agency__path__startswith=province.path)
            .order_by("pk")
            .values_list("official_id", "agency_id")
        )
        if not posts:
            return
        count = max(1, len(posts) // 2000)
        course = self.courses[0] if self.courses else None
        statuses = (
            [AttendanceStatus.PRESENT] * 16
            + [AttendanceStatus.LATE]
            + [AttendanceStatus.EXCUSED]
            + [AttendanceStatus.ABSENT] * 2
        )
        for number in range(count):
            first_day = REFORM_DATE + datetime.timedelta(days=rng.randint(30, 560))
            held = first_day + datetime.timedelta(days=1) < self.today
            session = TrainingSession.objects.create(
                course=course,
                title=f"Tập huấn ISO 9001:2015 – {province.name} – đợt {number + 1}",
                host_agency=province,
                venue="Hội trường UBND",
                capacity=60,
                status=SessionStatus.CLOSED if held else SessionStatus.OPEN,
                closed_at=_aware(first_day + datetime.timedelta(days=2)) if held else None,
            )
            days = SessionDay.objects.bulk_create(
                [
                    SessionDay(
                        session=session,
                        date=first_day + datetime.timedelta(days=offset),
                        start_time=datetime.time(8),
                        end_time=datetime.time(11, 30),
                    )
                    for offset in range(2)
                ]
            )
            chosen = rng.sample(posts, k=min(40, len(posts)))
            registrations = Registration.objects.bulk_create(
                [
                    Registration(
                        session=session,
                        official_id=official_id,
                        agency_id=agency_id,
                        status=RegistrationStatus.REGISTERED,
                        registered_at=_aware(first_day - datetime.timedelta(days=7)),
                    )
                    for official_id, agency_id in dict(chosen).items()
                ]
            )
            self.counts.sessions += 1
            self.counts.registrations += len(registrations)
            if not held:
                continue
            marks = []
            for registration in registrations:
                present_days = 0
                for day in days:
                    status = rng.choice(statuses)
                    present_days += status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
                    marks.append(
                        Attendance(
                            day=day,
                            registration=registration,
                            status=status,
                            method=AttendanceMethod.QR,
                            marked_at=_aware(day.date, 8),
                        )
                    )
                registration.completed = present_days == len(days)
                registration.attendance_percent = Decimal(100 * present_days // len(days))
            Attendance.objects.bulk_create(marks, batch_size=BATCH)
            Registration.objects.bulk_update(
                registrations, ["completed", "attendance_percent"], batch_size=BATCH
            )
            self.counts.attendances += len(marks)
            names = dict(
                Official.objects.filter(
                    pk__in=[r.official_id for r in registrations if r.completed]
                ).values_list("pk", "full_name")
            )
            if course is not None:
                self._certificates(
                    [
                        {
                            "official_id": r.official_id,
                            "holder_name": names[r.official_id],
                            "agency_id": r.agency_id,
                            "course": course,
                            "session_id": session.pk,
                            "registration_id": r.pk,
                            "issued_on": days[-1].date,
                        }
                        for r in registrations
                        if r.completed
                    ]
                )


def scale_data_generate(
    *,
    officials: int,
    seed: int = 2025,
    today: datetime.date | None = None,
    log: Callable[[str], None] = logger.info,
) -> ScaleCounts:
    """Build the national data set (see the module docstring); the units are loaded first."""
    from django.core.management import call_command

    from lms.competencies.demo import framework_load
    from lms.courses.models import CoursePage

    units_load()
    if not CoursePage.objects.live().exists():
        call_command("sync_content", stdout=io.StringIO())
    framework_load()
    generator = _Generator(
        officials=officials, seed=seed, today=today or timezone.localdate(), log=log
    )
    return generator.run()
