"""Reads: an official's competency profile and an agency's competency matrix.

Officials in scope are those holding a current post (started, not ended) in the agency's subtree;
what they must hold is what the position kinds of those posts require. A cell is *met* when the
record is held and valid beyond the warning window, *expiring* when it runs out within
``EXPIRY_WARNING_DAYS``, *missing* otherwise (no record, lapsed, revoked, or dated in the past:
a record the daily expiry has not reached yet still counts as missing).

The matrix costs a fixed number of queries whatever the number of officials: a count and the
page of officials, their posts, the requirements, their records, and one aggregate for the
summary (``tests/competencies/test_matrix.py`` measures 50 against 500 officials).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.agencies.models import Agency, Assignment, Official, PositionKind

from .models import Competency, CompetencyRecord, Requirement

EXPIRY_WARNING_DAYS = 90


class Status:
    MET = "met"
    EXPIRING = "expiring"
    MISSING = "missing"

    LABELS = {
        MET: _("Met"),
        EXPIRING: _("Expiring within 90 days"),
        MISSING: _("Missing"),
    }


def record_status(record: CompetencyRecord | None, today: datetime.date) -> str:
    if record is None or not record.held:
        return Status.MISSING
    if record.valid_until is None:
        return Status.MET
    if record.valid_until < today:
        return Status.MISSING
    if record.valid_until <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        return Status.EXPIRING
    return Status.MET


def _current_q(today: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": today}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": today})
    )


def current_posts(
    official_ids: Iterable[int], *, agency: Agency | None = None, today: datetime.date | None = None
) -> list[Assignment]:
    """The officials' posts held today (inside ``agency``'s subtree if given), with agencies."""
    today = today or timezone.localdate()
    posts = Assignment.objects.filter(_current_q(today), official_id__in=list(official_ids))
    if agency is not None:
        posts = posts.filter(agency__path__startswith=agency.path)
    return list(posts.select_related("agency").order_by("official_id", "-start_date", "pk"))


def led_agencies(user) -> list[Agency]:
    """Agencies where the user's official holds a current leader post (head of agency)."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    posts = Assignment.objects.filter(
        _current_q(today), official__user=user, position_kind=PositionKind.LEADER
    ).select_related("agency")
    return sorted({post.agency for post in posts}, key=lambda a: a.path)


def requirements_by_kind() -> dict[str, set[int]]:
    """position kind -> ids of the active competencies it requires."""
    found: dict[str, set[int]] = {}
    for kind, competency_id in Requirement.objects.filter(competency__active=True).values_list(
        "position_kind", "competency_id"
    ):
        found.setdefault(kind, set()).add(competency_id)
    return found


# --- the official's profile -------------------------------------------------------------------


@dataclass
class ProfileRow:
    competency: Competency
    required: bool
    status: str
    record: CompetencyRecord | None

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]


@dataclass
class Profile:
    official: Official
    posts: list[Assignment]
    rows: list[ProfileRow]
    today: datetime.date

    @property
    def required_rows(self) -> list[ProfileRow]:
        return [row for row in self.rows if row.required]

    @property
    def other_rows(self) -> list[ProfileRow]:
        return [row for row in self.rows if not row.required]

    @property
    def met_count(self) -> int:
        return sum(1 for row in self.required_rows if row.status != Status.MISSING)


def official_profile(official: Official, *, today: datetime.date | None = None) -> Profile:
    """Required competencies (from the current posts) and everything held, with the evidence."""
    today = today or timezone.localdate()
    posts = current_posts([official.pk], today=today)
    by_kind = requirements_by_kind()
    required = set().union(*(by_kind.get(post.position_kind, set()) for post in posts))
    records = {
        r.competency_id: r
        for r in CompetencyRecord.objects.filter(official=official).select_related("certificate")
    }
    competencies = Competency.objects.filter(
        Q(pk__in=required) | Q(pk__in=[k for k, r in records.items() if r.held])
    ).order_by("code")
    rows = [
        ProfileRow(
            competency=c,
            required=c.pk in required,
            status=record_status(records.get(c.pk), today),
            record=records.get(c.pk),
        )
        for c in competencies
    ]
    rows.sort(key=lambda row: (not row.required, row.competency.code))
    return Profile(official=official, posts=posts, rows=rows, today=today)


# --- the agency's matrix ----------------------------------------------------------------------


@dataclass
class Cell:
    status: str | None  # None: not required of this official
    record: CompetencyRecord | None = None

    @property
    def label(self) -> str:
        return Status.LABELS[self.status] if self.status else ""


@dataclass
class MatrixRow:
    official: Official
    posts: list[Assignment]
    cells: list[Cell] = field(default_factory=list)


@dataclass
class SummaryColumn:
    competency: Competency
    required: int
    met: int
    expiring: int

    @property
    def missing(self) -> int:
        return self.required - self.met - self.expiring


def matrix_officials(
    agency: Agency, *, position_kind: str = "", today: datetime.date | None = None
) -> QuerySet[Official]:
    """Officials holding a current post in the subtree (of ``position_kind`` if given)."""
    today = today or timezone.localdate()
    posts = Assignment.objects.filter(_current_q(today), agency__path__startswith=agency.path)
    if position_kind:
        posts = posts.filter(position_kind=position_kind)
    return Official.objects.filter(pk__in=posts.values("official_id")).order_by("full_name", "pk")


def matrix_columns(position_kind: str = "") -> tuple[list[Competency], dict[str, set[int]]]:
    """The competencies shown (required of the kind, or of any kind) and the requirements."""
    by_kind = requirements_by_kind()
    if position_kind:
        by_kind = {position_kind: by_kind.get(position_kind, set())}
    wanted = set().union(*by_kind.values()) if by_kind else set()
    columns = list(Competency.objects.filter(pk__in=wanted).order_by("code"))
    return columns, by_kind


def matrix_rows(
    agency: Agency,
    officials: Sequence[Official],
    columns: Sequence[Competency],
    by_kind: dict[str, set[int]],
    *,
    today: datetime.date | None = None,
) -> list[MatrixRow]:
    """One row per official with a cell per column: two queries whatever the number of rows."""
    today = today or timezone.localdate()
    ids = [o.pk for o in officials]
    posts: dict[int, list[Assignment]] = {}
    for post in current_posts(ids, agency=agency, today=today):
        posts.setdefault(post.official_id, []).append(post)
    records = {
        (r.official_id, r.competency_id): r
        for r in CompetencyRecord.objects.filter(
            official_id__in=ids, competency__in=[c.pk for c in columns]
        ).select_related("certificate")
    }
    rows = []
    for official in officials:
        own = posts.get(official.pk, [])
        required = set().union(*(by_kind.get(p.position_kind, set()) for p in own))
        cells = []
        for competency in columns:
            record = records.get((official.pk, competency.pk))
            if competency.pk in required:
                cells.append(Cell(record_status(record, today), record))
            else:
                cells.append(Cell(None, record))
        rows.append(MatrixRow(official=official, posts=own, cells=cells))
    return rows


def matrix_summary(
    agency: Agency,
    columns: Sequence[Competency],
    by_kind: dict[str, set[int]],
    *,
    today: datetime.date | None = None,
) -> list[SummaryColumn]:
    """Per column, over the whole scope (every page): required, met, expiring; one query."""
    today = today or timezone.localdate()
    if not columns:
        return []
    horizon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    posts = Assignment.objects.filter(
        _current_q(today),
        agency__path__startswith=agency.path,
        position_kind__in=list(by_kind),
    )
    held = CompetencyRecord.objects.filter(held=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    aggregates = {}
    for competency in columns:
        kinds = [kind for kind, ids in by_kind.items() if competency.pk in ids]
        needs = Q(pk__in=posts.filter(position_kind__in=kinds).values("official_id"))
        holds = held.filter(competency=competency)
        expiring = holds.filter(valid_until__lte=horizon)
        met = holds.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=horizon))
        key = competency.pk
        aggregates[f"required_{key}"] = Count("pk", filter=needs)
        aggregates[f"met_{key}"] = Count("pk", filter=needs & Q(pk__in=met.values("official_id")))
        aggregates[f"expiring_{key}"] = Count(
            "pk", filter=needs & Q(pk__in=expiring.values("official_id"))
        )
    totals = Official.objects.filter(pk__in=posts.values("official_id")).aggregate(**aggregates)
    return [
        SummaryColumn(
            competency=c,
            required=totals[f"required_{c.pk}"] or 0,
            met=totals[f"met_{c.pk}"] or 0,
            expiring=totals[f"expiring_{c.pk}"] or 0,
        )
        for c in columns
    ]


def matrix_agencies(user) -> list[Agency]:
    """The agencies whose matrix the user may open from the entry page: the roots of their
    secretary or steering scope (provinces for admins) and the agencies they head."""
    from lms.agencies.selectors import agencies_visible

    from .rules import MATRIX_ROLES

    found = {a.pk: a for a in agencies_visible(user, MATRIX_ROLES)}
    for agency in led_agencies(user):
        found.setdefault(agency.pk, agency)
    return sorted(found.values(), key=lambda a: a.path)
