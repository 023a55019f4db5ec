"""Attendance services and reads: marking (trainer, QR, card, sheet), walk-ins, roster data.

Every write goes through ``attendance_mark`` (or the walk-in services), which is idempotent and
safe under concurrency: the row is created with get_or_create under the (day, registration)
unique constraint, and an existing row is changed only under ``select_for_update``. Every
creation or change writes an AttendanceChange row (who, when, how): attendance is a QMS record
(TCVN ISO 9001:2015, 7.2).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.agencies.models import Assignment, Official
from lms.core import commit, sql
from lms.core.text import fold, sort_key

from .models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceChange,
    AttendanceMethod,
    AttendanceStatus,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionDay,
    TrainingSession,
    WalkIn,
)

# Who is on a day's roster (and may check in): invitees may turn up without confirming.
ROSTER_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.INVITED)


class AttendanceError(Exception):
    """A refused attendance write; the message is meant for the user."""


class SessionClosedError(AttendanceError):
    pass


@dataclass(frozen=True)
class MarkResult:
    attendance: Attendance
    created: bool
    changed: bool  # False when the row already had this status (an idempotent repeat)


def today() -> datetime.date:
    """The local date; attendance can be taken for this day and the days before it."""
    return timezone.localdate()


class FutureDayError(AttendanceError):
    pass


def _check_open(day: SessionDay) -> None:
    if day.session.is_final:
        raise SessionClosedError(
            _("This session is closed: its attendance can no longer be changed.")
        )
    if day.date > today():
        raise FutureDayError(
            _("The day %(date)s has not come yet: attendance for it cannot be taken.")
            % {"date": f"{day.date:%d/%m/%Y}"}
        )


# Registrations that become REGISTERED when their official is marked present or late.
REGISTER_ON_ATTENDANCE = (RegistrationStatus.INVITED, RegistrationStatus.WAITLISTED)


def _register_on_attendance(registration: Registration, *, by, at, source: str) -> None:
    """Whoever attended counts: an invited (or waitlisted) official marked present is registered.

    The registration records how (``source``) and who did it; its history keeps the change.
    """
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in REGISTER_ON_ATTENDANCE:
        return
    registration.status = RegistrationStatus.REGISTERED
    registration.source = source
    registration.registered_by = by
    registration.registered_at = at
    registration.cancelled_at = None
    registration._history_user = by
    registration.save(
        update_fields=[
            "status",
            "source",
            "registered_by",
            "registered_at",
            "cancelled_at",
            "updated_at",
        ]
    )


def _change(
    attendance: Attendance, *, old: str, by, method: str, at, note: str = "", evidence=None
) -> None:
    AttendanceChange.objects.create(
        attendance=attendance,
        old_status=old,
        new_status=attendance.status,
        method=method,
        changed_by=by,
        changed_at=at,
        note=note[:255],
        evidence=evidence,
    )


def attendance_mark(
    *,
    day: SessionDay,
    registration: Registration,
    status: str,
    method: str,
    by,
    note: str = "",
    at: datetime.datetime | None = None,
    evidence=None,
) -> MarkResult:
    """Set one registration's attendance on one day; repeating the same mark changes nothing.

    ``evidence`` (an AttendanceEvidence, e.g. the scanned sheet) is linked from the row and
    its history entry."""
    _check_open(day)
    if registration.session_id != day.session_id:
        raise AttendanceError(_("This official is not registered for this session."))
    if status not in AttendanceStatus.values:
        raise AttendanceError(_("Unknown attendance status."))
    at = at or timezone.now()
    with transaction.atomic():
        if status in ATTENDED_STATUSES and registration.status in REGISTER_ON_ATTENDANCE:
            source = (
                RegistrationSource.WALK_IN
                if method == AttendanceMethod.WALK_IN
                else RegistrationSource.ON_THE_DAY
            )
            _register_on_attendance(registration, by=by, at=at, source=source)
        attendance, created = Attendance.objects.get_or_create(
            day=day,
            registration=registration,
            defaults={
                "status": status,
                "method": method,
                "marked_by": by,
                "marked_at": at,
                "note": note[:255],
                "evidence": evidence,
            },
        )
        if created:
            _change(attendance, old="", by=by, method=method, at=at, note=note, evidence=evidence)
            return MarkResult(attendance, created=True, changed=True)
        attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
        if attendance.status == status:
            return MarkResult(attendance, created=False, changed=False)
        old = attendance.status
        attendance.status = status
        attendance.method = method
        attendance.marked_by = by
        attendance.marked_at = at
        attendance.note = note[:255]
        attendance.evidence = evidence
        attendance.save(
            update_fields=["status", "method", "marked_by", "marked_at", "note", "evidence"]
        )
        _change(attendance, old=old, by=by, method=method, at=at, note=note, evidence=evidence)
        return MarkResult(attendance, created=False, changed=True)


def day_starts_at(day: SessionDay) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day.date, day.start_time))


def arrival_status(*, day: SessionDay, at: datetime.datetime) -> str:
    """Present, or late once the session's grace period after the day's start has passed."""
    late_from = day_starts_at(day) + datetime.timedelta(minutes=day.session.late_after_minutes)
    return AttendanceStatus.LATE if at > late_from else AttendanceStatus.PRESENT


@dataclass(frozen=True)
class ArrivalResult:
    attendance: Attendance
    already: bool  # already checked in before: nothing was written


def attendance_arrive(
    *,
    day: SessionDay,
    registration: Registration,
    method: str,
    by,
    at: datetime.datetime | None = None,
) -> ArrivalResult:
    """An official arrives (QR, card): present or late; a second arrival keeps the first time.

    The burst of the day is first arrivals. On PostgreSQL one statement (``_arrive_sql``) inserts
    the row, its history entry and what other apps note of a new row (the reports' pending mark,
    ``lms.core.commit.saved_notes``), or finds the row already there: one round trip and one
    commit, no BEGIN, no read before. Elsewhere (SQLite) the row and its history entry are
    inserted in one short transaction with the notes (``commit.write_pending``). Either way the
    (day, registration) unique constraint refuses a second row; only then (a repeat, a double
    tap, a row the trainer made first) is the existing row read, and changed through
    ``attendance_mark`` if it is not an arrival."""
    _check_open(day)
    if registration.session_id != day.session_id:
        raise AttendanceError(_("This official is not registered for this session."))
    at = at or timezone.now()
    status = arrival_status(day=day, at=at)
    if registration.status not in REGISTER_ON_ATTENDANCE:
        connection = connections[router.db_for_write(Attendance)]
        if connection.vendor == "postgresql":
            attendance, created = _arrive_statement(
                connection,
                day=day,
                registration=registration,
                status=status,
                method=method,
                by=by,
                at=at,
            )
            if created:
                return ArrivalResult(attendance, already=False)
            existing = attendance
        else:
            try:
                with transaction.atomic():
                    attendance = Attendance.objects.create(
                        day=day,
                        registration=registration,
                        status=status,
                        method=method,
                        marked_by=by,
                        marked_at=at,
                    )
                    _change(attendance, old="", by=by, method=method, at=at)
                    commit.write_pending()  # the reports' mark in this transaction
            except IntegrityError:
                existing = None  # the row is there already: read it below
            else:
                return ArrivalResult(attendance, already=False)
        if existing is None:  # inserted by a transaction the statement could not see yet
            existing = Attendance.objects.filter(day=day, registration=registration).first()
    else:
        existing = Attendance.objects.filter(day=day, registration=registration).first()
    if existing is not None and existing.status in ATTENDED_STATUSES:
        return ArrivalResult(existing, already=True)
    result = attendance_mark(
        day=day, registration=registration, status=status, method=method, by=by, at=at
    )
    # A concurrent arrival may have won the race: then this one is the repeat.
    return ArrivalResult(result.attendance, already=not result.changed)


@functools.cache
def _arrive_sql(notes: tuple[str, ...]) -> str:
    """The arrival statement; it returns a first column, true for the row it inserted, then
    the Attendance's concrete fields. Its parameters: the row's day, registration,
    status, method, marked_by, marked_at; each note's; the day and registration again."""
    qn = connections[router.db_for_write(Attendance)].ops.quote_name
    table = qn(Attendance._meta.db_table)
    fields = Attendance._meta.concrete_fields
    columns = ", ".join(qn(f.column) for f in fields)

    def col(model, name):
        return qn(model._meta.get_field(name).column)

    inserted = ("day", "registration", "status", "method", "marked_by", "marked_at", "note")
    change = (
        "attendance",
        "old_status",
        "new_status",
        "method",
        "changed_by",
        "changed_at",
        "note",
    )
    parts = [
        f"ins AS (INSERT INTO {table} ({', '.join(col(Attendance, n) for n in inserted)})"
        " VALUES (%s, %s, %s, %s, %s, %s, '')"
        f" ON CONFLICT ({col(Attendance, 'day')}, {col(Attendance, 'registration')}) DO NOTHING"
        f" RETURNING {columns})",
        f"chg AS (INSERT INTO {qn(AttendanceChange._meta.db_table)}"
        f" ({', '.join(col(AttendanceChange, n) for n in change)})"
        f" SELECT {col(Attendance, 'id')}, '', {col(Attendance, 'status')},"
        f" {col(Attendance, 'method')}, {col(Attendance, 'marked_by')},"
        f" {col(Attendance, 'marked_at')}, '' FROM ins)",
    ]
    parts += [
        f"note{i} AS ({note} WHERE EXISTS (SELECT 1 FROM ins))" for i, note in enumerate(notes)
    ]
    statement = (
        f"WITH {', '.join(parts)}"
        f" SELECT true, {columns} FROM ins"
        # The row there before this statement (its snapshot does not see the one it inserts).
        f" UNION ALL SELECT false, {columns} FROM {table}"
        f" WHERE {col(Attendance, 'day')} = %s AND {col(Attendance, 'registration')} = %s"
    )
    return statement


def _arrive_statement(
    connection, *, day, registration, status, method, by, at
) -> tuple[Attendance | None, bool]:
    """Run the arrival statement: (the row inserted, True), (the row there before, False), or
    (None, False) when a concurrent arrival inserted it after this statement began."""
    notes = commit.saved_notes(Attendance(day=day, registration=registration))
    statement = _arrive_sql(tuple(note.sql for note in notes))
    params = [day.pk, registration.pk, status, method, getattr(by, "pk", None), at]
    for note in notes:
        params += note.params
    params += [day.pk, registration.pk]
    with sql.cursor(connection) as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    if not rows:
        return None, False
    created = rows[0][0]
    attendance = _from_db(connection, Attendance, Attendance._meta.concrete_fields, rows[0][1:])
    attendance.day, attendance.registration = day, registration
    if created:
        for note in notes:
            if note.after is not None:
                transaction.on_commit(note.after, using=connection.alias)
    return attendance, created


# What the check-in reads of each row, in the query's order (the pages show the title, venue, date
# and name; the token, the closed check, the late rule and the write need the rest). Other fields
# stay deferred. Each model's primary key comes first: NULL when the outer join found no row.
_CHECKIN_FIELDS = {
    SessionDay: ("id", "session_id", "date", "start_time", "end_time"),
    TrainingSession: ("id", "title", "venue", "status", "late_after_minutes", "checkin_secret"),
    Official: ("id", "full_name"),
    Registration: ("id", "session_id", "official_id", "status"),
    Attendance: ("id", "day_id", "registration_id", "status", "method", "marked_at"),
}


@functools.cache
def _checkin_columns(model) -> list:
    """The model's check-in fields, in the order of its concrete fields (as from_db wants)."""
    return [f for f in model._meta.concrete_fields if f.attname in _CHECKIN_FIELDS[model]]


def _converters(connection, field) -> list:
    """What the ORM applies to the field's value as read (e.g. SQLite's naive datetimes)."""
    key = (connection.vendor, field)
    if key not in _CONVERTERS:
        col = field.get_col(field.model._meta.db_table)
        _CONVERTERS[key] = [
            (converter, col)
            for converter in connection.ops.get_db_converters(col)
            + field.get_db_converters(connection)
        ]
    return _CONVERTERS[key]


_CONVERTERS: dict = {}


def _from_db(connection, model, fields, values):
    """``model.from_db`` of a raw row's ``values`` for ``fields``, converted as by the ORM."""
    values = list(values)
    for i, field in enumerate(fields):
        for converter, col in _converters(connection, field):
            values[i] = converter(values[i], col, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


@functools.cache
def _checkin_sql(vendor: str) -> str:
    qn = connections[router.db_for_read(SessionDay)].ops.quote_name

    def col(alias: str, model, name: str) -> str:
        return f"{alias}.{qn(model._meta.get_field(name).column)}"

    aliases = {
        SessionDay: "d",
        TrainingSession: "s",
        Official: "o",
        Registration: "r",
        Attendance: "a",
    }
    table = {model: qn(model._meta.db_table) for model in aliases}
    columns = ", ".join(
        f"{aliases[model]}.{qn(f.column)}"
        for model in _CHECKIN_FIELDS
        for f in _checkin_columns(model)
    )
    statuses = ", ".join(["%s"] * len(ROSTER_STATUSES))
    return (
        f"SELECT {columns} FROM {table[SessionDay]} d"
        f" INNER JOIN {table[TrainingSession]} s"
        f" ON {col('s', TrainingSession, 'id')} = {col('d', SessionDay, 'session')}"
        f" LEFT JOIN {table[Official]} o ON {col('o', Official, 'user')} = %s"
        f" LEFT JOIN {table[Registration]} r"
        f" ON {col('r', Registration, 'session')} = {col('d', SessionDay, 'session')}"
        f" AND {col('r', Registration, 'official')} = {col('o', Official, 'id')}"
        f" AND {col('r', Registration, 'status')} IN ({statuses})"
        f" LEFT JOIN {table[Attendance]} a"
        f" ON {col('a', Attendance, 'day')} = {col('d', SessionDay, 'id')}"
        f" AND {col('a', Attendance, 'registration')} = {col('r', Registration, 'id')}"
        f" WHERE {col('d', SessionDay, 'id')} = %s AND {col('d', SessionDay, 'session')} = %s"
    )


@dataclass(frozen=True)
class CheckinRead:
    """What ``checkin_read`` found (all None when the day is not the session's)."""

    day: SessionDay | None
    registration: Registration | None  # None: the user is not on the roster
    attendance: Attendance | None  # the registration's row on the day, if any


def checkin_read(*, session_pk: int, day_pk: int, user) -> CheckinRead:
    """The day with its session and, for a logged-in user, their registration on the day's roster
    with its official and their attendance row of the day: one query for the check-in burst (no
    ORM query to compile; on PostgreSQL prepared, and standing for the connection's health check:
    ``lms.core.sql.read``).

    The registration is the ``training.checkin_self`` rule's own test (an official on the roster),
    made once instead of a rule check followed by a read; the attendance row answers a repeated
    scan without a write. The instances hold the fields the check-in uses (``_CHECKIN_FIELDS``);
    any other is read when first touched."""
    if not (0 < session_pk < 2**63 and 0 < day_pk < 2**63):
        return CheckinRead(None, None, None)  # no such row (no integer the database could take)
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    connection = connections[router.db_for_read(SessionDay)]
    rows = sql.read(
        connection,
        _checkin_sql(connection.vendor),
        [user_id, *map(str, ROSTER_STATUSES), day_pk, session_pk],
    )
    if not rows:
        return CheckinRead(None, None, None)
    row = rows[0]
    found = {}
    at = 0
    for model in _CHECKIN_FIELDS:
        fields = _checkin_columns(model)
        values = row[at : at + len(fields)]
        at += len(fields)
        found[model] = None if values[0] is None else _from_db(connection, model, fields, values)
    day, session = found[SessionDay], found[TrainingSession]
    day.session = session
    registration, attendance = found[Registration], found[Attendance]
    if registration is not None:
        registration.session = session
        registration.official = found[Official]
    if attendance is not None:
        attendance.day, attendance.registration = day, registration
    return CheckinRead(day, registration, attendance)


# --- walk-ins -------------------------------------------------------------------------------


def walkin_add(
    *, day: SessionDay, full_name: str, agency_name: str = "", phone: str = "", by
) -> WalkIn:
    """Someone not on the roster attends: record them and mark them present on the spot."""
    _check_open(day)
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise AttendanceError(_("Enter the walk-in's full name."))
    now = timezone.now()
    with transaction.atomic():
        walk_in = WalkIn.objects.create(
            session_id=day.session_id,
            day=day,
            full_name=full_name,
            agency_name=(agency_name or "").strip(),
            phone=(phone or "").strip(),
            created_at=now,
        )
        attendance = Attendance.objects.create(
            day=day,
            walk_in=walk_in,
            status=AttendanceStatus.PRESENT,
            method=AttendanceMethod.WALK_IN,
            marked_by=by,
            marked_at=now,
        )
        _change(attendance, old="", by=by, method=AttendanceMethod.WALK_IN, at=now)
    return walk_in


def walkin_match(*, walk_in: WalkIn, official: Official, by) -> Registration:
    """Link a walk-in to an official: a Registration plus their attendance, history kept."""
    from lms.agencies.selectors import current_assignment

    session = walk_in.session
    day = walk_in.day
    _check_open(day)
    now = timezone.now()
    with transaction.atomic():
        walk_in = WalkIn.objects.select_for_update().get(pk=walk_in.pk)
        if walk_in.matched_official_id and walk_in.matched_official_id != official.pk:
            raise AttendanceError(_("This walk-in is already matched to another official."))
        assignment = current_assignment(official, on=day.date)
        registration, _created = Registration.objects.get_or_create(
            session=session,
            official=official,
            defaults={
                "agency": assignment.agency if assignment else None,
                "status": RegistrationStatus.REGISTERED,
                "source": RegistrationSource.WALK_IN,
                "registered_by": by,
                "registered_at": now,
            },
        )
        if registration.status != RegistrationStatus.REGISTERED:
            # They attended: whatever the invitation's state, they are registered now.
            registration.status = RegistrationStatus.REGISTERED
            registration.source = RegistrationSource.WALK_IN
            registration.registered_by = by
            registration.registered_at = now
            registration.cancelled_at = None
            registration._history_user = by
            registration.save(
                update_fields=[
                    "status",
                    "source",
                    "registered_by",
                    "registered_at",
                    "cancelled_at",
                    "updated_at",
                ]
            )
        note = _("Walk-in %(name)s matched to %(official)s") % {
            "name": walk_in.full_name,
            "official": official.full_name,
        }
        for attendance in Attendance.objects.select_for_update().filter(
            walk_in=walk_in, registration__isnull=True
        ):
            taken = Attendance.objects.filter(
                day=attendance.day, registration=registration
            ).exists()
            if taken:
                # The official already has a row that day: mark it, keep the walk-in row as is.
                attendance_mark(
                    day=attendance.day,
                    registration=registration,
                    status=attendance.status,
                    method=AttendanceMethod.WALK_IN,
                    by=by,
                    note=note,
                    at=now,
                )
            else:
                # The walk-in's row now belongs to the registration: one row, history intact.
                attendance.registration = registration
                attendance.save(update_fields=["registration"])
                _change(
                    attendance,
                    old=attendance.status,
                    by=by,
                    method=AttendanceMethod.WALK_IN,
                    at=now,
                    note=note,
                )
        walk_in.matched_official = official
        walk_in.matched_by = by
        walk_in.matched_at = now
        walk_in.save(update_fields=["matched_official", "matched_by", "matched_at"])
    return registration


# --- reads ----------------------------------------------------------------------------------


def name_sort_key(full_name: str) -> tuple:
    """Vietnamese lists sort by given name (the last word), then by the full name."""
    words = (full_name or "").split()
    return (sort_key(words[-1] if words else ""), sort_key(full_name), full_name)


def name_matches(full_name: str, query: str) -> bool:
    """Accent-, case- and spacing-insensitive: "Đức" and "duc" match."""
    return fold(query) in fold(full_name)


@dataclass
class RosterEntry:
    number: int
    registration: Registration
    full_name: str
    staff_code: str
    agency: str
    position: str
    attendance: Attendance | None


def session_roster(*, session) -> list[Registration]:
    """Roster registrations in sign-in sheet order, each with ``current_posts``; 2 queries."""
    current_posts = Assignment.objects.filter(end_date__isnull=True).order_by("-start_date", "-pk")
    registrations = list(
        Registration.objects.filter(session=session, status__in=ROSTER_STATUSES)
        .select_related("official", "agency")
        .prefetch_related(
            Prefetch("official__assignments", queryset=current_posts, to_attr="current_posts")
        )
    )
    registrations.sort(key=lambda r: (name_sort_key(r.official.full_name), r.pk))
    return registrations


def day_roster(*, day: SessionDay) -> list[RosterEntry]:
    """The day's roster, numbered as on the printed sign-in sheet, with each mark; 3 queries."""
    marks = {
        a.registration_id: a for a in Attendance.objects.filter(day=day, registration__isnull=False)
    }
    entries = []
    for number, registration in enumerate(session_roster(session=day.session), start=1):
        posts = registration.official.current_posts
        position = (
            (posts[0].position_title or posts[0].get_position_kind_display()) if posts else ""
        )
        entries.append(
            RosterEntry(
                number=number,
                registration=registration,
                full_name=registration.official.full_name,
                staff_code=registration.official.staff_code or "",
                agency=registration.agency.name if registration.agency else "",
                position=position,
                attendance=marks.get(registration.pk),
            )
        )
    return entries


def day_counts(*, day: SessionDay) -> dict[str, int]:
    """Counts per status for the day: registrations plus walk-ins not matched yet."""
    rows = (
        Attendance.objects.filter(day=day)
        .filter(Q(registration__isnull=False) | Q(walk_in__matched_official__isnull=True))
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = {status: 0 for status in AttendanceStatus.values}
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts
