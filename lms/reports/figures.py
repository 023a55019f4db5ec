"""The dashboard figures computed from the base tables, for a set of agencies on a day.

One function (``compute_rows``) serves both the summary tables (the current state, stored) and
the "as of" view (a past day, computed on request within the viewer's subtree), so the two can
never disagree on what a figure means:

- *officials*: officials with a post open on the day; each counts once, at their main post (the
  latest started, as ``agencies.selectors.current_assignment``), with that post's kind;
- *required / met*: for each competency their kind requires, whether a certificate of a course
  granting it is valid on the day (issued by then, not revoked by then, not expired);
- *expiring*: their certificates valid on the day that expire within ``EXPIRY_WINDOW`` days;
- *completions*: enrolments completed by the day, at the agency recorded on the enrolment;
- *attendances*: registrations with at least one day attended by the day, at the agency
  recorded on the registration, in the month of the first day attended.

Records made under a unit closed by then count under its successor (``Resolver``): the nearest
unit at or above it with a succession dated on or before the day, followed to the end.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from lms.agencies.models import Agency, Assignment, Succession
from lms.certificates.models import Certificate, CertificateStatus
from lms.competencies.models import Competency, Requirement
from lms.courses.models import Enrolment
from lms.training.models import ATTENDED_STATUSES, Attendance

EXPIRY_WINDOW = 90  # days
STEPLEN = Agency.steplen

METRICS = ("officials", "required", "met", "completions", "attendances", "expiring")


@dataclass(frozen=True)
class Key:
    agency_id: int
    position_kind: str
    competency_id: int | None = None
    course_id: int | None = None
    month: datetime.date | None = None


@dataclass
class Row:
    key: Key
    path: str
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))


class Resolver:
    """Where a record made at an agency counts on ``day``: itself, or its successor if closed."""

    def __init__(self, day: datetime.date):
        self.day = day
        self.moves: dict[str, tuple[int, str]] = {}
        for pred_path, succ_id, succ_path in (
            Succession.objects.filter(date__lte=day)
            .order_by("date", "pk")
            .values_list("predecessor__path", "successor_id", "successor__path")
        ):
            self.moves.setdefault(pred_path, (succ_id, succ_path))
        self._cache: dict[str, tuple[int, str] | None] = {}

    def _move(self, path: str) -> tuple[int, str] | None:
        if path not in self._cache:
            found = None
            for end in range(len(path), 0, -STEPLEN):
                found = self.moves.get(path[:end])
                if found:
                    break
            self._cache[path] = found
        return self._cache[path]

    def resolve(self, agency_id: int, path: str) -> tuple[int, str]:
        seen = set()
        while path not in seen:
            seen.add(path)
            moved = self._move(path)
            if moved is None:
                break
            agency_id, path = moved
        return agency_id, path

    def predecessors_of(self, targets: set[int]) -> set[int]:
        """The agencies outside ``targets`` whose records land in them (closed units)."""
        if not self.moves:
            return set()
        prefixes = {p for p in self.moves}
        q = Q()
        for prefix in prefixes:
            q |= Q(path__startswith=prefix)
        found = set()
        for pk, path in Agency.objects.filter(q).values_list("pk", "path"):
            if pk not in targets and self.resolve(pk, path)[0] in targets:
                found.add(pk)
        return found


def _active_q(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _held_q(day: datetime.date) -> Q:
    """Certificates valid on ``day``."""
    return (
        Q(issued_on__lte=day)
        & (Q(status=CertificateStatus.VALID) | Q(revoked_at__date__gt=day))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    )


def grants() -> dict[int, set[int]]:
    """Course id -> ids of the active competencies it grants."""
    found: dict[int, set[int]] = defaultdict(set)
    through = Competency.courses.through.objects.filter(competency__active=True)
    for course_id, competency_id in through.values_list("coursepage_id", "competency_id"):
        found[course_id].add(competency_id)
    return found


def required_by_kind() -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for kind, competency_id in Requirement.objects.filter(competency__active=True).values_list(
        "position_kind", "competency_id"
    ):
        found[kind].append(competency_id)
    return found


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _local_date(moment) -> datetime.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def main_posts(day: datetime.date, official_filter: Q) -> dict[int, tuple[int, str, str]]:
    """Official id -> (agency id, agency path, position kind) of their main post on ``day``."""
    best: dict[int, tuple] = {}
    posts = (
        Assignment.objects.filter(_active_q(day))
        .filter(official_filter)
        .values_list(
            "official_id", "start_date", "pk", "agency_id", "agency__path", "position_kind"
        )
    )
    for official_id, start, pk, agency_id, path, kind in posts:
        current = best.get(official_id)
        if current is None or (start, pk) > current[0]:
            best[official_id] = ((start, pk), agency_id, path, kind)
    return {o: (a, p, k) for o, (_order, a, p, k) in best.items()}


def compute_rows(
    *, day: datetime.date, targets: set[int] | None = None, within: str | None = None
) -> list[Row]:
    """The figures attributed to each agency on ``day``.

    ``targets``: only these agencies (records from their predecessors included); ``within``: only
    agencies under this path that are valid on the day (the as-of view of a subtree). Neither:
    every agency (the full rebuild).
    """
    resolver = Resolver(day)
    if within is not None:
        targets = set(
            Agency.objects.filter(path__startswith=within)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .values_list("pk", flat=True)
        )
    extra = [] if targets is None else sorted(resolver.predecessors_of(targets))

    def source_q(field: str = "agency") -> Q:
        if targets is None:
            return Q()
        if within is not None:
            return Q(**{f"{field}__path__startswith": within}) | Q(**{f"{field}_id__in": extra})
        return Q(**{f"{field}_id__in": sorted(targets | set(extra))})

    def landed(agency_id, path):
        resolved = resolver.resolve(agency_id, path)
        if targets is not None and resolved[0] not in targets:
            return None
        return resolved

    rows: dict[Key, Row] = {}

    def add(key: Key, path: str, metric: str, amount: int = 1) -> None:
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(key=key, path=path)
        row.values[metric] += amount

    in_sources = Assignment.objects.filter(_active_q(day)).filter(source_q()).values("official_id")
    enrolments = Enrolment.objects.filter(
        completed_at__isnull=False, completed_at__date__lte=day, agency__isnull=False
    ).filter(source_q())
    attended = Attendance.objects.filter(
        status__in=ATTENDED_STATUSES,
        registration__isnull=False,
        registration__agency__isnull=False,
        day__date__lte=day,
    ).filter(source_q("registration__agency"))
    officials_q = (
        Q(official_id__in=in_sources)
        | Q(official_id__in=enrolments.values("official_id"))
        | Q(official_id__in=attended.values("registration__official_id"))
    )
    posts = main_posts(day, officials_q)

    def kind_of(official_id: int) -> str:
        post = posts.get(official_id)
        return post[2] if post else ""

    # Officials, required vs met, expiring: at the main post.
    counted: dict[int, tuple[int, str, str]] = {}
    for official_id, (agency_id, path, kind) in posts.items():
        place = landed(agency_id, path)
        if place is not None:
            counted[official_id] = (place[0], place[1], kind)
    held: dict[int, set[int]] = defaultdict(set)
    expiring: dict[int, int] = defaultdict(int)
    course_grants = grants()
    horizon = day + datetime.timedelta(days=EXPIRY_WINDOW)
    certificates = Certificate.objects.filter(_held_q(day)).filter(official_id__in=in_sources)
    for official_id, course_id, valid_until in certificates.values_list(
        "official_id", "course_id", "valid_until"
    ):
        held[official_id] |= course_grants.get(course_id, set())
        if valid_until is not None and valid_until <= horizon:
            expiring[official_id] += 1
    needs = required_by_kind()
    for official_id, (agency_id, path, kind) in counted.items():
        base = Key(agency_id, kind)
        add(base, path, "officials")
        if expiring.get(official_id):
            add(base, path, "expiring", expiring[official_id])
        for competency_id in needs.get(kind, ()):
            key = Key(agency_id, kind, competency_id=competency_id)
            add(key, path, "required")
            if competency_id in held.get(official_id, ()):
                add(key, path, "met")

    # Completions: where the enrolment was recorded.
    for official_id, course_id, agency_id, path, completed_at in enrolments.values_list(
        "official_id", "course_id", "agency_id", "agency__path", "completed_at"
    ):
        place = landed(agency_id, path)
        if place is None:
            continue
        key = Key(
            place[0],
            kind_of(official_id),
            course_id=course_id,
            month=month_of(_local_date(completed_at)),
        )
        add(key, place[1], "completions")

    # Attendances: one per registration, in the month of its first day attended.
    first: dict[int, tuple] = {}
    for reg_id, official_id, course_id, agency_id, path, date in attended.values_list(
        "registration_id",
        "registration__official_id",
        "registration__session__course_id",
        "registration__agency_id",
        "registration__agency__path",
        "day__date",
    ):
        if reg_id not in first or date < first[reg_id][4]:
            first[reg_id] = (official_id, course_id, agency_id, path, date)
    for official_id, course_id, agency_id, path, date in first.values():
        place = landed(agency_id, path)
        if place is None:
            continue
        key = Key(place[0], kind_of(official_id), course_id=course_id, month=month_of(date))
        add(key, place[1], "attendances")
    return list(rows.values())
