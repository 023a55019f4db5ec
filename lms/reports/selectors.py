"""Reads of the reports app: a subtree's figures per child agency, and its officials' status.

Today's figures are read from ``AgencySummary`` with one grouped query (rows summed per child
agency's path prefix), so a dashboard costs the same few queries whatever the data. A past day
("as of") is computed from the base tables within the subtree (``figures.compute_rows``):
the summaries keep only the current state.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from lms.agencies.models import Agency, Assignment, Official
from lms.certificates.models import Certificate
from lms.competencies.models import Competency
from lms.core.text import sort_key
from lms.courses.models import Enrolment
from lms.training.models import ATTENDED_STATUSES, Attendance

from .figures import (
    EXPIRY_WINDOW,
    METRICS,
    STEPLEN,
    Resolver,
    _active_q,
    _held_q,
    compute_rows,
    grants,
    main_posts,
    required_by_kind,
)
from .models import AgencySummary


@dataclass(frozen=True)
class Filters:
    position_kind: str = ""
    course_id: int | None = None
    competency_id: int | None = None
    start: datetime.date | None = None  # first month counted (completions, attendances)
    end: datetime.date | None = None  # last month counted
    as_of: datetime.date | None = None

    def params(self) -> dict:
        """The filters as query parameters (for links that keep them)."""
        found = {
            "position_kind": self.position_kind,
            "course": self.course_id or "",
            "competency": self.competency_id or "",
            "start": self.start.strftime("%Y-%m") if self.start else "",
            "end": self.end.strftime("%Y-%m") if self.end else "",
            "as_of": self.as_of.isoformat() if self.as_of else "",
        }
        return {k: v for k, v in found.items() if v}


@dataclass
class Line:
    """One line of the dashboard: a child agency, the figures kept at the root itself, or the
    total."""

    agency: Agency | None
    officials: int = 0
    completions: int = 0
    attendances: int = 0
    expiring: int = 0
    required: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    met: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    # (competency, met, required) in the dashboard's column order, for templates.
    pairs: list[tuple] = field(default_factory=list)

    @property
    def required_total(self) -> int:
        return sum(self.required.values())

    @property
    def met_total(self) -> int:
        return sum(self.met.values())

    @property
    def coverage(self) -> float | None:
        """Share of required competencies met, in percent (None when nothing is required)."""
        total = self.required_total
        return 100 * self.met_total / total if total else None

    def add(self, competency_id, values: dict) -> None:
        self.officials += values.get("officials") or 0
        self.completions += values.get("completions") or 0
        self.attendances += values.get("attendances") or 0
        self.expiring += values.get("expiring") or 0
        if competency_id is not None:
            self.required[competency_id] += values.get("required") or 0
            self.met[competency_id] += values.get("met") or 0


@dataclass
class Dashboard:
    agency: Agency | None  # None: the whole country
    day: datetime.date
    filters: Filters
    competencies: list[Competency]
    lines: list[Line]
    own: Line  # figures attributed to the agency itself (not to any child)
    total: Line
    months: list[tuple[datetime.date, int, int]]  # (month, completions, attendances)
    computed_on: datetime.date | None = None

    @property
    def has_own(self) -> bool:
        own = self.own
        return bool(own.officials or own.completions or own.attendances or own.required_total)


def children_on(agency: Agency | None, day: datetime.date) -> list[Agency]:
    """The agency's children valid on ``day`` (the provinces for the country), by name."""
    path, depth = (agency.path, agency.depth) if agency else ("", 0)
    children = (
        Agency.objects.filter(path__startswith=path, depth=depth + 1)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    )
    return sorted(children, key=lambda a: (sort_key(a.name), a.pk))


def _in_period(month, filters: Filters) -> bool:
    if month is None:
        return True
    if filters.start and month < filters.start:
        return False
    return not (filters.end and month > filters.end)


def _keep(position_kind, competency_id, course_id, month, filters: Filters) -> bool:
    """Whether a summary slice counts under the filters (the same test in SQL and in memory)."""
    if filters.position_kind and position_kind != filters.position_kind:
        return False
    if competency_id is not None and filters.competency_id not in (None, competency_id):
        return False
    if month is not None:
        if filters.course_id is not None and course_id != filters.course_id:
            return False
        return _in_period(month, filters)
    return True


def _summary_slices(root_path: str, filters: Filters, prefix_len: int):
    """(prefix, competency, month, values) from the summary tables, grouped in SQL."""
    rows = AgencySummary.objects.filter(agency__path__startswith=root_path)
    if filters.position_kind:
        rows = rows.filter(position_kind=filters.position_kind)
    if filters.competency_id:
        rows = rows.filter(Q(competency__isnull=True) | Q(competency_id=filters.competency_id))
    if filters.course_id:
        rows = rows.filter(Q(month__isnull=True) | Q(course_id=filters.course_id))
    if filters.start:
        rows = rows.filter(Q(month__isnull=True) | Q(month__gte=filters.start))
    if filters.end:
        rows = rows.filter(Q(month__isnull=True) | Q(month__lte=filters.end))
    grouped = (
        rows.annotate(prefix=Substr("agency__path", 1, prefix_len))
        .values("prefix", "competency_id", "month")
        .annotate(**{m: Sum(m) for m in METRICS})
        .order_by()
    )
    for row in grouped:
        yield row["prefix"], row["competency_id"], row["month"], row


def _computed_slices(root_path: str, filters: Filters, prefix_len: int):
    """The same slices computed from the base tables for ``filters.as_of``."""
    for row in compute_rows(day=filters.as_of, within=root_path):
        key = row.key
        if not _keep(key.position_kind, key.competency_id, key.course_id, key.month, filters):
            continue
        yield row.path[:prefix_len], key.competency_id, key.month, row.values


def dashboard(agency: Agency | None, filters: Filters | None = None) -> Dashboard:
    """The figures of ``agency``'s subtree (the country for None), one line per child agency
    valid on the day."""
    filters = filters or Filters()
    day = filters.as_of or timezone.localdate()
    children = children_on(agency, day)
    root_path = agency.path if agency else ""
    prefix_len = len(root_path) + STEPLEN
    by_prefix = {child.path: Line(agency=child) for child in children}
    own = Line(agency=agency)
    total = Line(agency=None)
    months: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    competency_ids = set()
    source = _computed_slices if filters.as_of else _summary_slices
    for prefix, competency_id, month, values in source(root_path, filters, prefix_len):
        line = by_prefix.get(prefix)
        if line is None:
            # The agency itself, or a child closed by then whose records had no successor.
            line = own
        line.add(competency_id, values)
        total.add(competency_id, values)
        if competency_id is not None and values.get("required"):
            competency_ids.add(competency_id)
        if month is not None:
            months[month][0] += values.get("completions") or 0
            months[month][1] += values.get("attendances") or 0
    competencies = list(Competency.objects.filter(pk__in=competency_ids).order_by("code"))
    for line in [*by_prefix.values(), own, total]:
        line.pairs = [(c, line.met[c.pk], line.required[c.pk]) for c in competencies]
    computed_on = None
    if not filters.as_of:
        # The oldest day of the rows (an aggregate: no sort of every row at national scale).
        computed_on = AgencySummary.objects.filter(agency__path__startswith=root_path).aggregate(
            day=Min("computed_on")
        )["day"]
    return Dashboard(
        agency=agency,
        day=day,
        filters=filters,
        competencies=competencies,
        lines=list(by_prefix.values()),
        own=own,
        total=total,
        months=sorted((m, c, a) for m, (c, a) in months.items()),
        computed_on=computed_on,
    )


@dataclass
class OfficialLine:
    official: Official
    agency_name: str
    position_kind: str
    required: list[int]
    missing: list[int]
    completions: int
    attendances: int
    expiring: int

    @property
    def status(self) -> str:
        if not self.required:
            return "none"
        return "missing" if self.missing else "met"


def officials_status(agency: Agency, filters: Filters | None = None) -> list[OfficialLine]:
    """The officials whose main post lies in the subtree on the day, with what they hold.

    The same rules as the dashboard's figures, for each official (bounded by the subtree).
    """
    filters = filters or Filters()
    day = filters.as_of or timezone.localdate()
    resolver = Resolver(day)
    in_subtree = Assignment.objects.filter(_active_q(day), agency__path__startswith=agency.path)
    posts = main_posts(day, Q(official_id__in=in_subtree.values("official_id")))
    names = dict(Agency.objects.filter(path__startswith=agency.path).values_list("pk", "name"))
    chosen = {}
    for official_id, (agency_id, path, kind) in posts.items():
        resolved_id, resolved_path = resolver.resolve(agency_id, path)
        if not resolved_path.startswith(agency.path):
            continue
        if filters.position_kind and kind != filters.position_kind:
            continue
        chosen[official_id] = (names.get(resolved_id, ""), kind)
    ids = sorted(chosen)
    course_grants = grants()
    needs = required_by_kind()
    horizon = day + datetime.timedelta(days=EXPIRY_WINDOW)
    held: dict[int, set[int]] = defaultdict(set)
    expiring: dict[int, int] = defaultdict(int)
    for official_id, course_id, valid_until in (
        Certificate.objects.filter(_held_q(day))
        .filter(official_id__in=in_subtree.values("official_id"))
        .values_list("official_id", "course_id", "valid_until")
    ):
        held[official_id] |= course_grants.get(course_id, set())
        if valid_until is not None and valid_until <= horizon:
            expiring[official_id] += 1
    completions: dict[int, int] = defaultdict(int)
    enrolments = Enrolment.objects.filter(
        official_id__in=in_subtree.values("official_id"), completed_at__date__lte=day
    )
    if filters.course_id:
        enrolments = enrolments.filter(course_id=filters.course_id)
    for official_id in enrolments.values_list("official_id", flat=True):
        completions[official_id] += 1
    attendances: dict[int, int] = defaultdict(int)
    attended = Attendance.objects.filter(
        status__in=ATTENDED_STATUSES,
        registration__official_id__in=in_subtree.values("official_id"),
        day__date__lte=day,
    )
    if filters.course_id:
        attended = attended.filter(registration__session__course_id=filters.course_id)
    for official_id in set(
        attended.values_list("registration__official_id", "registration_id").distinct()
    ):
        attendances[official_id[0]] += 1
    officials = {
        o.pk: o
        for o in Official.objects.filter(pk__in=in_subtree.values("official_id"))
        if o.pk in chosen
    }
    lines = []
    for official_id in ids:
        agency_name, kind = chosen[official_id]
        required = [c for c in needs.get(kind, ()) if filters.competency_id in (None, c)]
        lines.append(
            OfficialLine(
                official=officials[official_id],
                agency_name=agency_name,
                position_kind=kind,
                required=required,
                missing=[c for c in required if c not in held.get(official_id, ())],
                completions=completions[official_id],
                attendances=attendances[official_id],
                expiring=expiring[official_id],
            )
        )
    lines.sort(key=lambda line: (sort_key(line.official.full_name), line.official.pk))
    return lines
