"""A national data set for measuring the platform at scale (``manage.py generate_scale_data``).

The 34 provinces and 3,321 communes of the official list, a People's Committee and departments
in each province, and officials spread over them by the provinces' commune counts; for them:
posts, enrolments (some assigned with a due date, some completed) with their lesson progress,
final-quiz attempts, training sessions with registrations and attendance, certificates (some
expired, some revoked) and competency records.

Rows are made province by province with their primary keys given (numbered on from the largest
in each table), so the same ``seed`` on the same database gives the same rows. On PostgreSQL
they are written with ``COPY`` (500,000 officials in a few minutes, memory bounded by the
largest province); elsewhere with bulk inserts (fine for the small sets of the tests). History
tables are not filled: the set is synthetic and has no past to audit.
"""

from __future__ import annotations

import datetime
import functools
import io
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from lms.core.text import fold

from .models import Agency, AgencyKind, Assignment, Official, PositionKind
from .services import agencies_bulk_add, units_load
from .units import REFORM_DATE

logger = logging.getLogger(__name__)

BATCH = 5000  # rows per INSERT where COPY is not available
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
OFFICIALS_PER_SESSION = 2000  # about one training session per this many officials of a province
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
    lesson_progress: int = 0
    sittings: int = 0
    sessions: int = 0
    registrations: int = 0
    attendances: int = 0
    certificates: int = 0
    competency_records: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@functools.lru_cache(maxsize=8192)
def _aware(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@functools.lru_cache(maxsize=16384)
def _fold(name: str) -> str:
    return fold(name)


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


class _Table:
    """The rows of one model waiting to be written: tuples of ``fields`` (the primary key first);
    every other column takes its model default (``auto_now`` ones: the time of the run)."""

    def __init__(self, model: type[models.Model], fields: tuple[str, ...], first_id: int):
        self.model = model
        self.fields = fields
        self.rows: list[tuple] = []
        self.next_id = first_id
        self.written = 0
        self.seconds = 0.0  # spent writing
        self.types: list[int] | None = None  # PostgreSQL type of each column
        given = set(fields)
        now = timezone.now()
        self.rest: list[str] = []
        rest_values: list = []
        for f in model._meta.concrete_fields:
            if f.attname in given:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            else:
                value = ""
            if isinstance(value, str):
                value = str(value)  # a TextChoices member is written as its value
            elif isinstance(value, (list, dict)):
                value = f.get_db_prep_save(value, connection)
            self.rest.append(f.column)
            rest_values.append(value)
        self.rest_values = tuple(rest_values)
        self.columns = [model._meta.get_field(name).column for name in fields] + self.rest

    def new_id(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        started = time.monotonic()
        if connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            table = self.model._meta.db_table
            columns = ", ".join(quote(c) for c in self.columns)
            sql = f"COPY {quote(table)} ({columns}) FROM STDIN (FORMAT BINARY)"
            rest = self.rest_values
            with connection.cursor() as cursor:
                if self.types is None:
                    # The binary format needs each column's exact type.
                    cursor.execute(
                        "SELECT attname, atttypid FROM pg_attribute "
                        "WHERE attrelid = %s::regclass AND attnum > 0",
                        [table],
                    )
                    oids = dict(cursor.fetchall())
                    self.types = [oids[c] for c in self.columns]
                with cursor.cursor.copy(sql) as copy:
                    copy.set_types(self.types)
                    for row in self.rows:
                        copy.write_row(row + rest)
        else:
            model, fields = self.model, self.fields
            model.objects.bulk_create(
                [model(**dict(zip(fields, row, strict=True))) for row in self.rows],
                batch_size=BATCH,
            )
        self.written += len(self.rows)
        self.rows = []
        self.seconds += time.monotonic() - started


class _BulkLoad:
    """On PostgreSQL, inside the caller's transaction: the unique and foreign-key constraints and
    the secondary indexes of ``tables`` are dropped for the load and made again at its end, so
    each index is built once from sorted rows and each key checked in one pass rather than row
    by row. The primary keys stay. A failure rolls everything back, rows and definitions alike.
    Elsewhere it does nothing."""

    def __init__(self, tables: list[str], seconds: dict[str, float]):
        self.tables = tables
        self.seconds = seconds
        self.restore: list[str] = []

    def __enter__(self):
        if connection.vendor != "postgresql":
            return self
        started = time.monotonic()
        quote = connection.ops.quote_name
        indexes, constraints = [], []
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # Checks still pending in the transaction must not hold the tables' definitions.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
                    [table],
                )
                for name, kind, definition in cursor.fetchall():
                    constraints.append(
                        (
                            kind,
                            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}",
                        )
                    )
                    cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                    "ORDER BY c.relname",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    indexes.append(definition)
                    cursor.execute(f"DROP INDEX {quote(name)}")
        # Indexes first, then unique keys, then the foreign keys (which read the others).
        self.restore = indexes + [sql for kind, sql in constraints if kind == "u"]
        self.restore += [sql for kind, sql in constraints if kind == "f"]
        self.seconds["drop keys and indexes"] = time.monotonic() - started
        return self

    def __exit__(self, kind, value, traceback):
        if kind is not None or not self.restore:
            return False
        started = time.monotonic()
        with connection.cursor() as cursor:
            for sql in self.restore:
                cursor.execute(sql)
        self.seconds["rebuild keys and indexes"] = time.monotonic() - started
        return False


class _Generator:
    def __init__(self, *, officials: int, seed: int, today: datetime.date, log: Callable):
        from lms.certificates.models import Certificate
        from lms.competencies.models import Competency, CompetencyRecord
        from lms.courses.models import CoursePage, Enrolment, LessonPage, LessonProgress
        from lms.quizzes.models import Sitting
        from lms.training.models import Attendance, Registration

        self.total = officials
        self.rng = random.Random(seed)
        self.today = today
        self.log = log
        self.counts = ScaleCounts()
        self.courses = list(CoursePage.objects.live().order_by("pk"))
        self.quiz_of = {c.pk: c.final_quiz_id for c in self.courses}
        self.lessons_of = {
            c.pk: list(
                LessonPage.objects.live()
                .descendant_of(c)
                .order_by("path")
                .values_list("pk", flat=True)
            )
            for c in self.courses
        }
        self.competency_of: dict[int, int] = {}
        for competency in Competency.objects.filter(active=True).prefetch_related("courses"):
            for course in competency.courses.all():
                self.competency_of.setdefault(course.pk, competency.pk)
        specs = {
            "officials": (Official, ("id", "full_name", "name_folded")),
            "posts": (
                Assignment,
                ("id", "official_id", "agency_id", "position_kind", "start_date"),
            ),
            "enrolments": (
                Enrolment,
                (
                    "id",
                    "official_id",
                    "course_id",
                    "agency_id",
                    "source",
                    "due_date",
                    "enrolled_at",
                    "completed_at",
                    "last_lesson_id",
                    "last_seen_at",
                ),
            ),
            "progress": (
                LessonProgress,
                ("id", "official_id", "lesson_id", "course_id", "completed_at", "last_seen_at"),
            ),
            "sittings": (
                Sitting,
                (
                    "id",
                    "quiz_id",
                    "official_id",
                    "agency_id",
                    "attempt",
                    "started_at",
                    "submitted_at",
                    "finished_at",
                    "state",
                    "score",
                    "max_score",
                    "percent",
                    "passed",
                    "pass_mark",
                ),
            ),
            "registrations": (
                Registration,
                (
                    "id",
                    "session_id",
                    "official_id",
                    "agency_id",
                    "status",
                    "registered_at",
                    "completed",
                    "attendance_percent",
                ),
            ),
            "attendances": (
                Attendance,
                ("id", "day_id", "registration_id", "status", "method", "marked_at"),
            ),
            "certificates": (
                Certificate,
                (
                    "id",
                    "code",
                    "source_key",
                    "official_id",
                    "holder_name",
                    "agency_id",
                    "course_id",
                    "course_title",
                    "session_id",
                    "enrolment_id",
                    "registration_id",
                    "issued_on",
                    "valid_until",
                    "status",
                    "revoked_at",
                    "revoked_reason",
                ),
            ),
            "records": (
                CompetencyRecord,
                ("id", "official_id", "competency_id", "certificate_id", "held", "valid_until"),
            ),
        }
        self.tables: dict[str, _Table] = {}
        for name, (model, fields) in specs.items():
            last = model.objects.aggregate(m=Max("pk"))["m"] or 0
            self.tables[name] = _Table(model, fields, last + 1)
        self.certificate_serial = Certificate.objects.count()
        self.records: dict[tuple[int, int], list] = {}
        self.seconds: dict[str, float] = {}

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
        plans = []
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
            plans.append((province, count, plan))
        tables = [t.model._meta.db_table for t in self.tables.values()]
        with transaction.atomic(), _BulkLoad(tables, self.seconds):
            for province, count, plan in plans:
                self._province(province, plan)
                self.log(f"{province.name}: {count} officials")
            self._finish()
        return self.counts

    def _province(self, province: Agency, plan: list[tuple[Agency, int]]) -> None:
        rng = self.rng
        officials, posts = self.tables["officials"], self.tables["posts"]
        people: list[tuple[int, int, str]] = []  # (official id, agency id, name)
        for agency, count in plan:
            for index in range(count):
                name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                official_id = officials.new_id()
                officials.rows.append((official_id, name, _fold(name)))
                start = REFORM_DATE + datetime.timedelta(days=rng.randint(0, 300))
                posts.rows.append(
                    (posts.new_id(), official_id, agency.pk, self._position(index), start)
                )
                people.append((official_id, agency.pk, name))
        self.counts.officials += len(people)
        self._learning(people)
        self._sessions(province, people)
        self._flush_records()
        for table in self.tables.values():
            table.flush()

    def _position(self, index: int) -> str:
        if index == 0:
            return PositionKind.ISO_SECRETARY.value
        if index == 1:
            return PositionKind.LEADER.value
        roll = self.rng.random()
        if roll < 0.06:
            return PositionKind.ONE_STOP_OFFICER.value
        if roll < 0.09:
            return PositionKind.INTERNAL_AUDITOR.value
        return PositionKind.SPECIALIST.value

    # -- courses, attempts, certificates -------------------------------------------------------

    def _learning(self, people: list[tuple[int, int, str]]) -> None:
        from lms.courses.models import EnrolmentSource
        from lms.quizzes.models import SittingState

        if not self.courses:
            return
        rng, today = self.rng, self.today
        enrolments, progress, sittings = (
            self.tables["enrolments"],
            self.tables["progress"],
            self.tables["sittings"],
        )
        assigned_source, self_source = EnrolmentSource.ASSIGNED.value, EnrolmentSource.SELF.value
        finished = SittingState.FINISHED.value
        ten = Decimal(10)
        for official_id, agency_id, name in people:
            for course in rng.sample(
                self.courses, k=min(len(self.courses), rng.choice((0, 1, 1, 2, 3)))
            ):
                assigned = rng.random() < 0.6
                enrolled = min(REFORM_DATE + datetime.timedelta(days=rng.randint(0, 480)), today)
                completed = rng.random() < 0.45
                finished_on = min(enrolled + datetime.timedelta(days=rng.randint(1, 90)), today)
                lessons = self.lessons_of[course.pk]
                seen = len(lessons) if completed else rng.randint(0, len(lessons))
                seen_at = _aware(finished_on, 14)
                enrolment_id = enrolments.new_id()
                enrolments.rows.append(
                    (
                        enrolment_id,
                        official_id,
                        course.pk,
                        agency_id,
                        assigned_source if assigned else self_source,
                        enrolled + datetime.timedelta(days=rng.choice((30, 60, 90)))
                        if assigned
                        else None,
                        _aware(enrolled, 8),
                        _aware(finished_on, 15) if completed else None,
                        lessons[seen - 1] if seen else None,
                        seen_at if seen else None,
                    )
                )
                for lesson_id in lessons[:seen]:
                    progress.rows.append(
                        (progress.new_id(), official_id, lesson_id, course.pk, seen_at, seen_at)
                    )
                self.counts.lesson_progress += seen
                self.counts.enrolments += 1
                quiz_id = self.quiz_of.get(course.pk)
                if quiz_id is not None and (completed or rng.random() < 0.3):
                    attempts = 1 if completed and rng.random() < 0.7 else 2
                    for attempt in range(1, attempts + 1):
                        passed = completed and attempt == attempts
                        percent = Decimal(rng.randint(80, 100) if passed else rng.randint(20, 79))
                        sittings.rows.append(
                            (
                                sittings.new_id(),
                                quiz_id,
                                official_id,
                                agency_id,
                                attempt,
                                _aware(finished_on, 9 + attempt),
                                _aware(finished_on, 10 + attempt),
                                _aware(finished_on, 10 + attempt),
                                finished,
                                percent / ten,
                                ten,
                                percent,
                                passed,
                                80,
                            )
                        )
                        self.counts.sittings += 1
                if completed:
                    self.counts.completed += 1
                    self._certificate(
                        official_id=official_id,
                        holder_name=name,
                        agency_id=agency_id,
                        course=course,
                        issued_on=finished_on,
                        enrolment_id=enrolment_id,
                    )

    def _certificate(
        self,
        *,
        official_id: int,
        holder_name: str,
        agency_id: int,
        course,
        issued_on: datetime.date,
        enrolment_id: int | None = None,
        registration_id: int | None = None,
        session_id: int | None = None,
    ) -> None:
        from lms.certificates.models import CertificateStatus

        rng = self.rng
        certificates = self.tables["certificates"]
        self.certificate_serial += 1
        serial = self.certificate_serial
        # A fifth were issued two years earlier and have lapsed; 2 % are revoked.
        if rng.random() < 0.2:
            issued_on = issued_on - datetime.timedelta(days=730 + rng.randint(1, 200))
        revoked = rng.random() < 0.02
        valid_until = issued_on + datetime.timedelta(days=730)
        certificate_id = certificates.new_id()
        certificates.rows.append(
            (
                certificate_id,
                f"SCALE{serial:010d}",
                f"scale:{enrolment_id or registration_id}:{serial}",
                official_id,
                holder_name,
                agency_id,
                course.pk,
                course.title,
                session_id,
                enrolment_id,
                registration_id,
                issued_on,
                valid_until,
                CertificateStatus.REVOKED.value if revoked else CertificateStatus.VALID.value,
                _aware(self.today) if revoked else None,
                "Cấp nhầm (dữ liệu thử tải)" if revoked else "",
            )
        )
        self.counts.certificates += 1
        competency_id = self.competency_of.get(course.pk)
        if competency_id is None:
            return
        held = not revoked and valid_until >= self.today
        key = (official_id, competency_id)
        known = self.records.get(key)
        if known is None or (held and not known[1]):
            self.records[key] = [certificate_id if held else None, held, valid_until]

    def _flush_records(self) -> None:
        records = self.tables["records"]
        for (official_id, competency_id), (
            certificate_id,
            held,
            valid_until,
        ) in self.records.items():
            records.rows.append(
                (records.new_id(), official_id, competency_id, certificate_id, held, valid_until)
            )
        self.counts.competency_records += len(self.records)
        self.records = {}

    # -- training sessions ----------------------------------------------------------------------

    def _sessions(self, province: Agency, people: list[tuple[int, int, str]]) -> None:
        """About one session per 2,000 officials of the province, each with 40 participants."""
        from lms.training.models import (
            AttendanceMethod,
            AttendanceStatus,
            RegistrationStatus,
            SessionDay,
            SessionStatus,
            TrainingSession,
        )

        if not people:
            return
        rng = self.rng
        registrations, attendances = self.tables["registrations"], self.tables["attendances"]
        course = self.courses[0] if self.courses else None
        statuses = (
            [AttendanceStatus.PRESENT.value] * 16
            + [AttendanceStatus.LATE.value]
            + [AttendanceStatus.EXCUSED.value]
            + [AttendanceStatus.ABSENT.value] * 2
        )
        attended = {AttendanceStatus.PRESENT.value, AttendanceStatus.LATE.value}
        registered = RegistrationStatus.REGISTERED.value
        qr = AttendanceMethod.QR.value
        for number in range(max(1, len(people) // OFFICIALS_PER_SESSION)):
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
            chosen = {o: (a, n) for o, a, n in rng.sample(people, k=min(40, len(people)))}
            self.counts.sessions += 1
            for official_id, (agency_id, name) in chosen.items():
                registration_id = registrations.new_id()
                present_days = 0
                if held:
                    for day in days:
                        status = rng.choice(statuses)
                        present_days += status in attended
                        attendances.rows.append(
                            (
                                attendances.new_id(),
                                day.pk,
                                registration_id,
                                status,
                                qr,
                                _aware(day.date, 8),
                            )
                        )
                    self.counts.attendances += len(days)
                completed = held and present_days == len(days)
                registrations.rows.append(
                    (
                        registration_id,
                        session.pk,
                        official_id,
                        agency_id,
                        registered,
                        _aware(first_day - datetime.timedelta(days=7)),
                        completed if held else None,
                        Decimal(100 * present_days // len(days)) if held else None,
                    )
                )
                self.counts.registrations += 1
                if completed and course is not None:
                    self._certificate(
                        official_id=official_id,
                        holder_name=name,
                        agency_id=agency_id,
                        course=course,
                        issued_on=days[-1].date,
                        registration_id=registration_id,
                        session_id=session.pk,
                    )

    def _finish(self) -> None:
        """On PostgreSQL: sequences past the given keys, and fresh planner statistics."""
        if connection.vendor != "postgresql":
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in self.tables.values():
                name = table.model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {quote(name)}), 1))",
                    [name],
                )
            for table in self.tables.values():
                cursor.execute(f"ANALYZE {quote(table.model._meta.db_table)}")


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

    started = time.monotonic()
    units_load()
    if not CoursePage.objects.live().exists():
        call_command("sync_content", stdout=io.StringIO())
    framework_load()
    counts_setup = time.monotonic() - started
    generator = _Generator(
        officials=officials, seed=seed, today=today or timezone.localdate(), log=log
    )
    counts = generator.run()
    counts.seconds["units, courses, framework"] = counts_setup
    counts.seconds.update(generator.seconds)
    for name, table in generator.tables.items():
        counts.seconds[f"write {name}"] = table.seconds
    counts.seconds["total"] = time.monotonic() - started
    return counts
