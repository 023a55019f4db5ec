"""Writes for training sessions: scheduling, rosters, registration with capacity, closing."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from lms.agencies.models import Agency, Assignment, Official
from lms.agencies.roster import COLUMNS as ROSTER_HEADERS
from lms.agencies.services import pad_code
from lms.core.jobs import BATCH, Progress, batches, register
from lms.core.tabular import TableError, read_table
from lms.core.text import fold

from . import attendance as attendance_clock
from . import notifications
from .models import (
    ATTENDED_STATUSES,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionDay,
    SessionStatus,
    TrainingSession,
)
from .signals import session_completed

ACTIVE_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)


class TrainingError(Exception):
    """A request that the session's state does not allow; the message is shown to the user."""


class SessionFinal(TrainingError):
    """Closed or cancelled sessions are final: no attendance or registration changes."""


def ensure_not_final(session: TrainingSession) -> None:
    """Raise SessionFinal if the session is closed or cancelled (attendance helpers call this)."""
    if session.is_final:
        raise SessionFinal(_("This session is closed; its records can no longer be changed."))


# --- days ---------------------------------------------------------------------------------

DAY_LINE = re.compile(
    r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:h](\d{2})\s*[-–]\s*(\d{1,2})[:h](\d{2})\s*$"
)


@dataclass(frozen=True)
class DaySpec:
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time


def parse_days(text: str) -> list[DaySpec]:
    """Parse lines "dd/mm/yyyy hh:mm-hh:mm"; raise ValidationError naming every bad line."""
    errors: list[str] = []
    days: list[DaySpec] = []
    seen: dict[datetime.date, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = DAY_LINE.match(line)
        if not match:
            errors.append(
                _("Line %(n)d: “%(line)s” is not in the form dd/mm/yyyy hh:mm-hh:mm.")
                % {"n": number, "line": line.strip()}
            )
            continue
        d, m, y, h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            day = datetime.date(y, m, d)
            start = datetime.time(h1, m1)
            end = datetime.time(h2, m2)
        except ValueError:
            errors.append(
                _("Line %(n)d: “%(line)s” is not a real date or time.")
                % {"n": number, "line": line.strip()}
            )
            continue
        if end <= start:
            errors.append(
                _("Line %(n)d: the end time must be after the start time.") % {"n": number}
            )
            continue
        if day in seen:
            errors.append(
                _("Line %(n)d: %(date)s is already on line %(first)d.")
                % {"n": number, "date": line.split()[0], "first": seen[day]}
            )
            continue
        seen[day] = number
        days.append(DaySpec(day, start, end))
    if errors:
        raise ValidationError(errors)
    if not days:
        raise ValidationError(_("Give at least one day."))
    return sorted(days, key=lambda d: d.date)


def format_days(days) -> str:
    return "\n".join(f"{d.date:%d/%m/%Y} {d.start_time:%H:%M}-{d.end_time:%H:%M}" for d in days)


# --- scheduling ---------------------------------------------------------------------------

SCHEDULE_FIELDS = ("venue", "address")


@transaction.atomic
def session_create(
    *, by, days: list[DaySpec], trainers=(), target_agencies=(), **fields
) -> TrainingSession:
    session = TrainingSession.objects.create(created_by=by, **fields)
    SessionDay.objects.bulk_create(
        SessionDay(session=session, date=d.date, start_time=d.start_time, end_time=d.end_time)
        for d in days
    )
    # The creator runs the session unless other trainers are named.
    session.trainers.set(list(trainers) or ([by] if by else []))
    session.target_agencies.set(target_agencies)
    return session


@transaction.atomic
def session_update(
    *,
    session: TrainingSession,
    by,
    days: list[DaySpec] | None = None,
    trainers=None,
    target_agencies=None,
    **fields,
) -> TrainingSession:
    """Edit a session; a change of days, venue or address, or a cancellation, is notified."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    ensure_not_final(session)
    was_draft = session.status == SessionStatus.DRAFT
    changed = any(k in fields and fields[k] != getattr(session, k) for k in SCHEDULE_FIELDS)
    for key, value in fields.items():
        setattr(session, key, value)
    if days is not None:
        old = {(d.date, d.start_time, d.end_time) for d in session.days.all()}
        new = {(d.date, d.start_time, d.end_time) for d in days}
        if old != new:
            changed = True
            # Days that keep their date keep their attendance rows; removed dates must have none.
            by_date = {d.date: d for d in session.days.all()}
            new_dates = {d.date for d in days}
            removed = [d for date, d in by_date.items() if date not in new_dates]
            if any(d.attendances.exists() for d in removed):
                raise TrainingError(_("A day that already has attendance cannot be removed."))
            SessionDay.objects.filter(pk__in=[d.pk for d in removed]).delete()
            for spec in days:
                existing = by_date.get(spec.date)
                if existing:
                    if (existing.start_time, existing.end_time) != (spec.start_time, spec.end_time):
                        existing.start_time, existing.end_time = spec.start_time, spec.end_time
                        existing.save(update_fields=["start_time", "end_time"])
                else:
                    SessionDay.objects.create(
                        session=session,
                        date=spec.date,
                        start_time=spec.start_time,
                        end_time=spec.end_time,
                    )
    cancelled = session.status == SessionStatus.CANCELLED
    if (changed and not was_draft) or cancelled:
        session.revision += 1
    session.save()
    if trainers is not None:
        session.trainers.set(trainers)
    if target_agencies is not None:
        session.target_agencies.set(target_agencies)
    # Emails go to the outbox in this transaction (lms/training/notifications.py).
    if was_draft and session.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN):
        notifications.registrations_notify(
            kind=notifications.INVITATION,
            registrations=session.registrations.filter(status=RegistrationStatus.INVITED),
        )
    to_notify = session.registrations.filter(status__in=notifications.NOTIFY_STATUSES)
    if cancelled:
        notifications.registrations_notify(kind=notifications.CANCELLATION, registrations=to_notify)
    elif changed and not was_draft:
        notifications.registrations_notify(
            kind=notifications.CHANGE, registrations=to_notify, revision=session.revision
        )
    return session


def session_copy_initial(*, session: TrainingSession) -> dict:
    """Initial data for a copy of ``session`` (everything except days and people)."""
    return {
        "course": session.course_id,
        "title": session.title,
        "kind": session.kind,
        "description": session.description,
        "host_agency": session.host_agency_id,
        "venue": session.venue,
        "address": session.address,
        "capacity": session.capacity,
        "trainers": [u.pk for u in session.trainers.all()],
        "target_agencies": [a.pk for a in session.target_agencies.all()],
        "target_positions": list(session.target_positions),
        "min_attendance_percent": session.min_attendance_percent,
        "pre_test": session.pre_test_id,
        "post_test": session.post_test_id,
        "late_after_minutes": session.late_after_minutes,
        "status": SessionStatus.DRAFT,
    }


# --- rosters ------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def _current_assignments_q(day: datetime.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def current_agency_ids(official_ids) -> dict[int, int]:
    """official id -> agency id of the current main post (latest started), in one query."""
    found: dict[int, int] = {}
    rows = (
        Assignment.objects.filter(
            _current_assignments_q(_today()), official_id__in=list(official_ids)
        )
        .order_by("official_id", "-start_date", "-pk")
        .values_list("official_id", "agency_id")
    )
    for official_id, agency_id in rows:
        found.setdefault(official_id, agency_id)
    return found


def registration_invite(
    *, session: TrainingSession, officials, by, progress: Progress | None = None
) -> list[Registration]:
    """Invite officials in bulk; idempotent (officials already on the session are skipped).

    Returns the new registrations. Works in batches of ``BATCH`` officials (each committed on
    its own when no transaction is open around it), reporting ``progress(done, total)``.
    Invitation emails are queued after commit.
    """
    ensure_not_final(session)
    official_ids = sorted({o.pk if isinstance(o, Official) else int(o) for o in officials})
    created: list[Registration] = []
    for done, ids in enumerate(batches(official_ids), 1):
        created += _invite_batch(session, ids, by)
        if progress is not None:
            progress(min(done * BATCH, len(official_ids)), len(official_ids))
    return created


@transaction.atomic
def _invite_batch(session: TrainingSession, official_ids: list[int], by) -> list[Registration]:
    existing = set(
        Registration.objects.filter(session=session, official_id__in=official_ids).values_list(
            "official_id", flat=True
        )
    )
    fresh = [oid for oid in official_ids if oid not in existing]
    agencies = current_agency_ids(fresh)
    now = timezone.now()
    new = [
        Registration(
            session=session,
            official_id=oid,
            agency_id=agencies.get(oid),
            status=RegistrationStatus.INVITED,
            invited_by=by,
            invited_at=now,
        )
        for oid in fresh
    ]
    Registration.objects.bulk_create(new, ignore_conflicts=True)
    created = list(
        Registration.objects.filter(session=session, official_id__in=fresh, invited_at=now)
    )
    # bulk_create sends no signals: the history rows of the invitations are written here.
    Registration.history.bulk_history_create(created, default_user=by)
    # Invitations to a draft go out when it is published (see session_update).
    if created and session.status != SessionStatus.DRAFT:
        notifications.registrations_notify(
            kind=notifications.INVITATION,
            registrations=Registration.objects.filter(pk__in=[r.pk for r in created]),
        )
    return created


def target_official_ids(*, session: TrainingSession) -> list[int]:
    """Officials now posted in the target agencies' subtrees with a target position (one query)."""
    paths = [a.path for a in session.target_agencies.all()] or [session.host_agency.path]
    q = Q()
    for path in paths:
        q |= Q(agency__path__startswith=path)
    qs = Assignment.objects.filter(_current_assignments_q(_today())).filter(q)
    if session.target_positions:
        qs = qs.filter(position_kind__in=session.target_positions)
    return sorted(set(qs.values_list("official_id", flat=True)))


def session_invite_targets(*, session: TrainingSession, by) -> list[Registration]:
    """Invite every current official of the target agencies with the target positions."""
    return registration_invite(
        session=session, officials=target_official_ids(session=session), by=by
    )


# Above this many targets, invitations are sent by a worker (lms.core.jobs), not the request.
BACKGROUND_INVITATIONS = 500


def session_invite_job_create(*, session: TrainingSession, by, total: int = 0):
    """Queue the invitation of the session's targets as a background job."""
    from django.urls import reverse

    from lms.core.jobs import bulk_job_create

    ensure_not_final(session)
    return bulk_job_create(
        kind="training.invite",
        title=_("Invitations to “%(session)s”") % {"session": session.title},
        params={"session": session.pk},
        by=by,
        total=total,
        back_url=reverse("training:session_detail", kwargs={"pk": session.pk}),
    )


@register("training.invite")
def _session_invite_job(job, progress: Progress) -> dict:
    session = TrainingSession.objects.get(pk=job.params["session"])
    targets = target_official_ids(session=session)
    created = registration_invite(
        session=session, officials=targets, by=job.created_by, progress=progress
    )
    return {"created": len(created), "already": len(targets) - len(created)}


class RosterError(ValidationError):
    pass


# The officials import's headers (English or Vietnamese); "agency" accepts "agency_code" too.
ROSTER_COLUMNS = {name: ROSTER_HEADERS[name] for name in ("staff_code", "full_name", "agency")}
ROSTER_MAX_ROWS = 5000


def roster_parse(*, name: str, content: bytes) -> list[int]:
    """Resolve every row to an official: all rows valid, or RosterError naming each bad row."""
    try:
        table = read_table(
            name=name,
            content=content,
            columns=ROSTER_COLUMNS,
            required=[("staff_code",), ("full_name", "agency")],
            max_rows=ROSTER_MAX_ROWS,
            allow_unknown=True,
        )
    except TableError as exc:
        raise RosterError(exc.errors) from exc
    rows = [(number, {k: str(v) for k, v in values.items()}) for number, values in table.rows]
    codes = {r.get("staff_code", "") for _n, r in rows} - {""}
    by_code = dict(Official.objects.filter(staff_code__in=codes).values_list("staff_code", "pk"))
    agency_codes = {pad_code(r.get("agency", "")) for _n, r in rows if not r.get("staff_code")}
    agencies = dict(
        Agency.objects.filter(code__in=agency_codes - {""}, valid_to__isnull=True).values_list(
            "code", "pk"
        )
    )
    names: dict[tuple[int, str], list[int]] = {}
    if agencies:
        for agency_id, official_id, full_name in Assignment.objects.filter(
            _current_assignments_q(_today()), agency_id__in=agencies.values()
        ).values_list("agency_id", "official_id", "official__full_name"):
            ids = names.setdefault((agency_id, fold(full_name)), [])
            if official_id not in ids:
                ids.append(official_id)
    errors: list[str] = []
    found: list[int] = []
    for number, row in rows:
        code = row.get("staff_code", "")
        if code:
            if code not in by_code:
                errors.append(
                    table.error(
                        number, _("no official has staff code “%(code)s”.") % {"code": code}
                    )
                )
            else:
                found.append(by_code[code])
            continue
        full_name, agency_code = row.get("full_name", ""), pad_code(row.get("agency", ""))
        if not full_name or not agency_code:
            errors.append(table.error(number, _("give staff_code, or full_name and agency_code.")))
            continue
        if agency_code not in agencies:
            errors.append(
                table.error(
                    number, _("no current agency has code “%(code)s”.") % {"code": agency_code}
                )
            )
            continue
        matches = names.get((agencies[agency_code], fold(full_name)), [])
        where = {"name": full_name, "code": agency_code}
        if not matches:
            errors.append(
                table.error(
                    number, _("no official named “%(name)s” works in agency %(code)s.") % where
                )
            )
        elif len(matches) > 1:
            errors.append(
                table.error(
                    number,
                    _("several officials named “%(name)s” work in agency %(code)s; use staff_code.")
                    % where,
                )
            )
        else:
            found.append(matches[0])
    if errors:
        raise RosterError(errors)
    if not found:
        raise RosterError(_("%(file)s has no rows of officials.") % {"file": name})
    return list(dict.fromkeys(found))


def roster_upload(*, session: TrainingSession, name: str, content: bytes, by) -> list[Registration]:
    """Validate the whole file, then invite everyone in it (all or nothing)."""
    ids = roster_parse(name=name, content=content)
    return registration_invite(session=session, officials=ids, by=by)


# --- registration -------------------------------------------------------------------------


def _lock_session(session_id: int) -> TrainingSession:
    return TrainingSession.objects.select_for_update().get(pk=session_id)


def _registered_count(session_id: int) -> int:
    return Registration.objects.filter(
        session_id=session_id, status=RegistrationStatus.REGISTERED
    ).count()


def registration_register(*, session: TrainingSession, official: Official, by=None) -> Registration:
    """Register (or waitlist when full). Capacity is checked under a lock on the session row."""
    with transaction.atomic():
        session = _lock_session(session.pk)
        ensure_not_final(session)
        if session.status != SessionStatus.OPEN:
            raise TrainingError(_("Registration for this session is not open."))
        if session.registration_deadline and timezone.now() > session.registration_deadline:
            raise TrainingError(_("The registration deadline has passed."))
        registration = (
            Registration.objects.select_for_update()
            .filter(session=session, official=official)
            .first()
        )
        if registration and registration.status in ACTIVE_STATUSES:
            return registration
        if registration is None:
            agency_id = current_agency_ids([official.pk]).get(official.pk)
            registration = Registration(session=session, official=official, agency_id=agency_id)
        full = session.capacity is not None and _registered_count(session.pk) >= session.capacity
        registration.status = (
            RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
        )
        registration.registered_at = timezone.now()
        registration.registered_by = by
        registration.cancelled_at = None
        registration.save()
    return registration


def registration_decline(*, registration: Registration, by=None) -> Registration:
    """Decline an invitation; for a registered place this is a cancellation."""
    if registration.status in ACTIVE_STATUSES:
        return registration_cancel(registration=registration, by=by)
    with transaction.atomic():
        session = _lock_session(registration.session_id)
        ensure_not_final(session)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == RegistrationStatus.INVITED:
            registration.status = RegistrationStatus.DECLINED
            registration.save(update_fields=["status", "updated_at"])
    return registration


def registration_cancel(*, registration: Registration, by=None) -> Registration:
    """Cancel a place; the first waitlisted official is promoted into a freed seat and notified."""
    with transaction.atomic():
        session = _lock_session(registration.session_id)
        ensure_not_final(session)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status not in ACTIVE_STATUSES:
            return registration
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        waitlist_promote(session=session)
    return registration


def waitlist_promote(*, session: TrainingSession) -> list[Registration]:
    """Fill free seats from the waitlist, first come first served (session row locked)."""
    promoted = []
    free = None if session.capacity is None else session.capacity - _registered_count(session.pk)
    waiting = Registration.objects.filter(
        session=session, status=RegistrationStatus.WAITLISTED
    ).order_by("registered_at", "pk")
    if free is not None:
        waiting = waiting[: max(free, 0)]
    for registration in waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
        promoted.append(registration)
    if promoted:
        notifications.registrations_notify(
            kind=notifications.PROMOTION,
            registrations=Registration.objects.filter(pk__in=[r.pk for r in promoted]),
        )
    return promoted


def registration_add_by_trainer(
    *, session: TrainingSession, official: Official, by
) -> Registration:
    """The trainer registers a named official on the spot (they are in the room: no seat limit,
    no deadline); recorded as added by the trainer, in the registration's history."""
    with transaction.atomic():
        session = _lock_session(session.pk)
        ensure_not_final(session)
        registration = (
            Registration.objects.select_for_update()
            .filter(session=session, official=official)
            .first()
        )
        if registration and registration.status == RegistrationStatus.REGISTERED:
            return registration
        if registration is None:
            agency_id = current_agency_ids([official.pk]).get(official.pk)
            registration = Registration(session=session, official=official, agency_id=agency_id)
        registration.status = RegistrationStatus.REGISTERED
        registration.source = RegistrationSource.ADDED_BY_TRAINER
        registration.registered_at = timezone.now()
        registration.registered_by = by
        registration.cancelled_at = None
        registration._history_user = by
        registration.save()
    return registration


def registration_remove(*, registration: Registration, by, reason: str) -> Registration:
    """The trainer takes an official off the roster: cancelled, with the reason in its history.

    Attendance already recorded stays (it is a record); a freed seat goes to the waiting list."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise TrainingError(_("Give the reason for removing this official from the roster."))
    with transaction.atomic():
        session = _lock_session(registration.session_id)
        ensure_not_final(session)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED):
            return registration
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        registration._history_user = by
        registration._change_reason = (
            _("Removed from the roster: %(reason)s") % {"reason": reason}
        )[:100]
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        waitlist_promote(session=session)
    return registration


def secretary_register(*, session: TrainingSession, officials, by) -> list[Registration]:
    """An ISO secretary registers officials (scope checked by the caller/form)."""
    return [registration_register(session=session, official=o, by=by) for o in officials]


# --- closing ------------------------------------------------------------------------------


def _post_test_checker():
    try:
        from lms.quizzes import selectors as quiz_selectors
    except ImportError:
        return None
    return getattr(quiz_selectors, "quiz_passed", None)


RESULT_FIELDS = ("attendance_percent", "post_test_passed", "completed", "completion_reason")


def _bulk_update_results(registrations: list[Registration], *, by, reason: str = "") -> None:
    """Save the closing results of many registrations, each with its history row."""
    now = timezone.now()
    for registration in registrations:
        registration.updated_at = now
    bulk_update_with_history(
        registrations,
        Registration,
        [*RESULT_FIELDS, "updated_at"],
        batch_size=1000,
        default_user=by,
        default_change_reason=reason,
    )


@dataclass
class CloseOutcome:
    registration: Registration
    completed: bool
    reason: str
    percent: Decimal
    passed: bool | None


@dataclass
class ClosePreview:
    """What closing would do now: who completes, who does not (nothing is written)."""

    day_count: int
    last_day: datetime.date | None
    early: bool  # today is before the last day: closing needs "end early" with a reason
    completing: list[CloseOutcome]
    not_completing: list[CloseOutcome]
    not_taking_part: list[Registration]
    unmatched_walk_ins: list


def _close_outcomes(session: TrainingSession) -> tuple[int, list[CloseOutcome], list]:
    """The closing result of every registered official, and the invited/waitlisted ones."""
    day_count = session.days.count()
    checker = _post_test_checker() if session.post_test_id else None
    registrations = list(
        Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED)
        .select_related("official", "agency")
        .annotate(
            attended=Count("attendances", filter=Q(attendances__status__in=ATTENDED_STATUSES))
        )
        .order_by("official__full_name", "pk")
    )
    outcomes = []
    for registration in registrations:
        percent = (
            (Decimal(registration.attended) * 100 / day_count).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            if day_count
            else Decimal(0)
        )
        attended_ok = day_count > 0 and percent >= session.min_attendance_percent
        passed = None
        if checker is not None:
            passed = bool(checker(official=registration.official, quiz=session.post_test))
        if not attended_ok:
            completed = False
            reason = _("Attendance %(percent)s %% is below the required %(required)d %%.") % {
                "percent": f"{percent:.0f}",
                "required": session.min_attendance_percent,
            }
        elif passed is False:
            completed, reason = False, _("The post-test was not passed.")
        else:
            completed = True
            reason = (
                _("Attendance and post-test requirements met.")
                if passed
                else _("Attendance requirement met.")
            )
        outcomes.append(CloseOutcome(registration, completed, reason, percent, passed))
    # Those still waiting or invited (and never marked present) did not take part.
    absent = list(
        Registration.objects.filter(
            session=session,
            status__in=[RegistrationStatus.INVITED, RegistrationStatus.WAITLISTED],
        )
        .select_related("official", "agency")
        .order_by("official__full_name", "pk")
    )
    return day_count, outcomes, absent


def _last_day(session: TrainingSession) -> datetime.date | None:
    return session.days.order_by("-date").values_list("date", flat=True).first()


def session_close_preview(*, session: TrainingSession) -> ClosePreview:
    from .models import WalkIn

    day_count, outcomes, absent = _close_outcomes(session)
    last_day = _last_day(session)
    return ClosePreview(
        day_count=day_count,
        last_day=last_day,
        early=last_day is not None and attendance_clock.today() < last_day,
        completing=[o for o in outcomes if o.completed],
        not_completing=[o for o in outcomes if not o.completed],
        not_taking_part=absent,
        unmatched_walk_ins=list(
            WalkIn.objects.filter(session=session, matched_official__isnull=True).select_related(
                "day"
            )
        ),
    )


def session_close(
    *, session: TrainingSession, by, end_early: bool = False, reason: str = ""
) -> dict:
    """Close the session: compute attendance and completion for every registered official.

    Present and late count as attended. Completed registrations send ``session_completed``.
    Closed sessions are final. Before the session's last day, closing is refused unless
    ``end_early`` is given with a ``reason`` (kept on the session and in its history).
    Returns counts.
    """
    reason = " ".join((reason or "").split())
    with transaction.atomic():
        session = _lock_session(session.pk)
        ensure_not_final(session)
        last_day = _last_day(session)
        early = last_day is not None and attendance_clock.today() < last_day
        if early and not end_early:
            raise TrainingError(
                _(
                    "The session's last day is %(date)s: it cannot be closed before then "
                    "unless you end it early and give the reason."
                )
                % {"date": f"{last_day:%d/%m/%Y}"}
            )
        if early and not reason:
            raise TrainingError(_("Give the reason for ending the session early."))
        _day_count, outcomes, absent = _close_outcomes(session)
        registrations, completed = [], []
        for outcome in outcomes:
            registration = outcome.registration
            registration.attendance_percent = outcome.percent
            registration.post_test_passed = outcome.passed
            registration.completed = outcome.completed
            registration.completion_reason = outcome.reason
            registrations.append(registration)
            if outcome.completed:
                completed.append(registration)
        for registration in absent:
            registration.completed = False
            registration.completion_reason = _("Did not take part.")
        _bulk_update_results(registrations + absent, by=by)
        session.status = SessionStatus.CLOSED
        session.closed_at = timezone.now()
        session.closed_by = by
        session.ended_early_reason = reason if early else ""
        session._history_user = by
        if early:
            session._change_reason = (_("Ended early: %(reason)s") % {"reason": reason})[:100]
        session.save(
            update_fields=["status", "closed_at", "closed_by", "ended_early_reason", "updated_at"]
        )
        for registration in completed:
            session_completed.send(sender=TrainingSession, registration=registration)
    return {"registered": len(registrations), "completed": len(completed)}


def session_reopen(*, session: TrainingSession, by, reason: str) -> TrainingSession:
    """Re-open a closed session for corrections; the reason is kept in its history.

    The session goes back to the status it had before closing, and the closing results are
    withdrawn (they are computed again when it is closed again).
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise TrainingError(_("Give the reason for re-opening the session."))
    with transaction.atomic():
        session = _lock_session(session.pk)
        if session.status != SessionStatus.CLOSED:
            raise TrainingError(_("Only a closed session can be re-opened."))
        before = (
            session.history.exclude(status__in=[SessionStatus.CLOSED, SessionStatus.CANCELLED])
            .values_list("status", flat=True)
            .first()
        )
        session.status = before or SessionStatus.SCHEDULED
        session.closed_at = None
        session.closed_by = None
        session.ended_early_reason = ""
        session._history_user = by
        session._change_reason = reason
        session.save(
            update_fields=["status", "closed_at", "closed_by", "ended_early_reason", "updated_at"]
        )
        results = list(Registration.objects.filter(session=session, completed__isnull=False))
        for registration in results:
            registration.attendance_percent = None
            registration.post_test_passed = None
            registration.completed = None
            registration.completion_reason = ""
        _bulk_update_results(results, by=by, reason=reason)
    return session
