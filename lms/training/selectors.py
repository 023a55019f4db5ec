"""Reads for training sessions; every function runs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet

from lms.agencies.models import Agency
from lms.agencies.selectors import current_assignment
from lms.core.access import scope_q
from lms.core.models import Role

from .models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceEvidence,
    AttendanceStatus,
    Registration,
    RegistrationStatus,
    SessionStatus,
    TrainingSession,
    WalkIn,
)


def _with_counts(qs: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return qs.select_related("host_agency", "course").annotate(
        first_day=Min("days__date"),
        registered_count=Count(
            "registrations",
            filter=Q(registrations__status=RegistrationStatus.REGISTERED),
            distinct=True,
        ),
        waitlisted_count=Count(
            "registrations",
            filter=Q(registrations__status=RegistrationStatus.WAITLISTED),
            distinct=True,
        ),
    )


def sessions_managed_by(user) -> QuerySet[TrainingSession]:
    """Sessions whose host agency lies in the user's trainer scope (all for platform admins)."""
    return _with_counts(
        TrainingSession.objects.filter(scope_q(user, Role.TRAINER, field="host_agency"))
    ).order_by("-first_day", "-pk")


def sessions_followed_by(user) -> QuerySet[TrainingSession]:
    """Published sessions hosted in the user's ISO secretary or steering scope."""
    return _with_counts(
        TrainingSession.objects.exclude(status=SessionStatus.DRAFT).filter(
            scope_q(user, Role.ISO_SECRETARY, Role.STEERING, field="host_agency")
        )
    ).order_by("-first_day", "-pk")


def registrations_of(official) -> QuerySet[Registration]:
    """The official's invitations and registrations, newest session first."""
    return (
        Registration.objects.filter(official=official)
        .exclude(session__status=SessionStatus.DRAFT)
        .select_related("session__host_agency", "session__course")
        .annotate(first_day=Min("session__days__date"))
        .order_by("-first_day", "-pk")
    )


def _ancestor_paths(agency: Agency) -> list[str]:
    step = Agency.steplen
    return [agency.path[: step * i] for i in range(1, len(agency.path) // step + 1)]


def open_sessions_for(official) -> QuerySet[TrainingSession]:
    """Open sessions that target the official's current agency (or its parents) and position."""
    assignment = current_assignment(official)
    if assignment is None:
        return TrainingSession.objects.none()
    paths = _ancestor_paths(assignment.agency)
    qs = TrainingSession.objects.filter(status=SessionStatus.OPEN).filter(
        Q(target_agencies__path__in=paths)
        | Q(target_agencies__isnull=True, host_agency__path__in=paths)
    )
    qs = qs.exclude(registrations__official=official)
    sessions = _with_counts(qs.distinct())
    return [
        s
        for s in sessions
        if not s.target_positions or assignment.position_kind in s.target_positions
    ]


def session_registrations(session: TrainingSession) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(session=session)
        .select_related("official", "agency")
        .annotate(
            attended=Count("attendances", filter=Q(attendances__status__in=ATTENDED_STATUSES))
        )
        .order_by("status", "registered_at", "official__full_name", "pk")
    )


def registrations_in_scope(session: TrainingSession, user, *roles) -> QuerySet[Registration]:
    """The session's registrations of officials of the agencies where ``user`` holds ``roles``
    (a secretary's own people), registered first."""
    from lms.core.access import scope_q

    return (
        Registration.objects.filter(session=session)
        .filter(scope_q(user, *roles))
        .exclude(status__in=[RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED])
        .select_related("official", "agency")
        .order_by("status", "official__full_name", "pk")
    )


def status_counts(session: TrainingSession) -> dict[str, int]:
    rows = (
        Registration.objects.filter(session=session).values_list("status").annotate(n=Count("pk"))
    )
    counts = {status: 0 for status in RegistrationStatus.values}
    counts.update(dict(rows))
    return counts


# --- reports ------------------------------------------------------------------------------


def attendance_by_day(session: TrainingSession) -> list[dict]:
    """Per day: counts of present / late / excused / absent, and registered participants."""
    days = list(session.days.all())
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {s: 0 for s in AttendanceStatus.values})
    rows = (
        Attendance.objects.filter(day__session=session)
        .values_list("day_id", "status")
        .annotate(n=Count("pk"))
    )
    for day_id, status, n in rows:
        counts[day_id][status] = n
    return [
        {
            "day": day,
            **counts[day.pk],
            "attended": counts[day.pk]["present"] + counts[day.pk]["late"],
        }
        for day in days
    ]


def attendance_by_agency(session: TrainingSession) -> list[dict]:
    """Per agency (at the time of registration): participants, attended day-marks, completions."""
    rows = (
        Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED)
        .values("agency_id", "agency__name")
        .annotate(
            participants=Count("pk", distinct=True),
            completed=Count("pk", filter=Q(completed=True), distinct=True),
            present=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT)),
            late=Count("attendances", filter=Q(attendances__status=AttendanceStatus.LATE)),
            excused=Count("attendances", filter=Q(attendances__status=AttendanceStatus.EXCUSED)),
            absent=Count("attendances", filter=Q(attendances__status=AttendanceStatus.ABSENT)),
        )
        .order_by("agency__name")
    )
    return list(rows)


def _score(value) -> Decimal | None:
    """Normalise what lms.quizzes.selectors.results_for returns per official to a percentage."""
    if value is None:
        return None
    if isinstance(value, dict):
        for key in ("percent", "score_percent", "score", "best"):
            if key in value:
                return _score(value[key])
        return None
    for attr in ("percent", "score_percent", "score"):
        if hasattr(value, attr):
            return _score(getattr(value, attr))
    try:
        return Decimal(str(value))
    except Exception:  # noqa: BLE001 - unknown shapes are shown as blank
        return None


def _results(quiz, official_ids) -> dict[int, Decimal | None]:
    if quiz is None:
        return {}
    try:
        from lms.quizzes import selectors as quiz_selectors
    except ImportError:
        return {}
    results_for = getattr(quiz_selectors, "results_for", None)
    if results_for is None:
        return {}
    found = results_for(quiz=quiz, official_ids=list(official_ids)) or {}
    if not isinstance(found, dict):
        found = {getattr(r, "official_id", None): r for r in found}
    return {oid: _score(v) for oid, v in found.items()}


def session_window(session: TrainingSession, days=None):
    """From the session's creation to the end of its last day (open-ended without days)."""
    import datetime

    from django.utils import timezone

    days = list(session.days.all()) if days is None else days
    end = None
    if days:
        last = max(days, key=lambda d: (d.date, d.end_time))
        end = timezone.make_aware(datetime.datetime.combine(last.date, last.end_time))
    return session.created_at, end


def _first_results(session: TrainingSession, official_ids, days=None) -> dict:
    """The pre-test: each official's first attempt within the session's window."""
    if session.pre_test is None:
        return {}
    from lms.quizzes.selectors import first_results

    start, end = session_window(session, days)
    found = first_results(quiz=session.pre_test, official_ids=official_ids, start=start, end=end)
    return {oid: _score(value) for oid, value in found.items()}


def session_report(session: TrainingSession) -> dict:
    """Everything the report page and its exports show, in a fixed number of queries."""
    days = list(session.days.all())
    registrations = list(
        Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED)
        .select_related("official", "agency")
        .order_by("agency__name", "official__full_name", "pk")
    )
    marks: dict[tuple[int, int], str] = {}
    for reg_id, day_id, status in Attendance.objects.filter(
        day__session=session, registration__isnull=False
    ).values_list("registration_id", "day_id", "status"):
        marks[(reg_id, day_id)] = status
    ids = [r.official_id for r in registrations]
    pre = _first_results(session, ids, days)
    post = _results(session.post_test, ids)
    labels = dict(AttendanceStatus.choices)
    rows = []
    for registration in registrations:
        statuses = [marks.get((registration.pk, day.pk)) for day in days]
        attended = sum(1 for s in statuses if s in ATTENDED_STATUSES)
        percent = registration.attendance_percent
        if percent is None:
            percent = (
                (Decimal(attended) * 100 / len(days)).quantize(Decimal("0.01"))
                if days
                else Decimal(0)
            )
        pre_score, post_score = (
            pre.get(registration.official_id),
            post.get(registration.official_id),
        )
        rows.append(
            {
                "registration": registration,
                "official": registration.official,
                "agency": registration.agency,
                "statuses": statuses,
                "status_labels": [str(labels.get(s, "")) if s else "" for s in statuses],
                "percent": percent,
                "pre": pre_score,
                "post": post_score,
                "gain": (post_score - pre_score)
                if pre_score is not None and post_score is not None
                else None,
            }
        )
    pre_scores = [r["pre"] for r in rows if r["pre"] is not None]
    post_scores = [r["post"] for r in rows if r["post"] is not None]
    gains = [r["gain"] for r in rows if r["gain"] is not None]

    def mean(values):
        return (sum(values) / len(values)).quantize(Decimal("0.1")) if values else None

    return {
        "session": session,
        "days": days,
        "rows": rows,
        "by_day": attendance_by_day(session),
        "by_agency": attendance_by_agency(session),
        "has_tests": bool(session.pre_test_id or session.post_test_id),
        "pre_mean": mean(pre_scores),
        "post_mean": mean(post_scores),
        "gain_mean": mean(gains),
        "completed": sum(1 for r in registrations if r.completed),
        # Walk-ins not matched to an official yet: they attended, but cannot complete.
        "walk_ins": list(
            WalkIn.objects.filter(session=session, matched_official__isnull=True)
            .select_related("day")
            .order_by("day__date", "full_name", "pk")
        ),
    }


def session_evidence(session) -> QuerySet[AttendanceEvidence]:
    """The session's scanned sign-in sheets, by day."""
    return AttendanceEvidence.objects.filter(day__session=session).select_related("day")
