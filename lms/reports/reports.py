"""Report definitions: one class per table, with its access check, its query and its columns.

A report yields plain values (text, numbers, dates); ``formatters`` turn any report into CSV,
XLSX or the HTML table, so a new report is one class registered in ``REPORTS``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from lms.agencies.models import Agency, PositionKind
from lms.certificates.models import Certificate
from lms.competencies.models import Competency
from lms.core.access import can
from lms.quizzes.models import Response, SittingState
from lms.training.models import ATTENDED_STATUSES, RegistrationStatus, TrainingSession

from .figures import EXPIRY_WINDOW, _held_q
from .selectors import Filters, dashboard, officials_status

DEFAULT_THRESHOLD = 80  # percent of required competencies met


def percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class Report:
    """Base: ``agency`` (None for the country) and ``filters``; subclasses give ``columns`` and
    ``rows``. ``links`` optionally gives, per row, the URL of its first cell."""

    do_not_call_in_templates = True  # templates list the classes themselves
    slug = ""
    title = ""
    description = ""
    country_allowed = False  # whether the report makes sense for the whole country

    def __init__(self, agency: Agency | None, filters: Filters | None = None, params=None):
        self.agency = agency
        self.filters = filters or Filters()
        self.params = params or {}

    @classmethod
    def allowed(cls, user, agency) -> bool:
        if agency is None and not cls.country_allowed:
            return False
        return can(user, "reports.view", agency)

    @property
    def day(self) -> datetime.date:
        return self.filters.as_of or timezone.localdate()

    def columns(self) -> list[str]:
        raise NotImplementedError

    def rows(self) -> list[list]:
        raise NotImplementedError

    def links(self) -> list[str | None]:
        return []

    def filename(self, extension: str) -> str:
        place = self.agency.pk if self.agency else "country"
        return f"{self.slug}-{place}-{self.day:%Y%m%d}.{extension}"


class CoverageReport(Report):
    slug = "coverage"
    title = _("Coverage by agency")
    description = _(
        "For each agency under this one: officials in scope, competencies required of them and "
        "met, courses completed, sessions attended, certificates expiring within 90 days."
    )
    country_allowed = True

    @cached_property
    def board(self):
        return dashboard(self.agency, self.filters)

    def _lines(self):
        lines = list(self.board.lines)
        if self.board.has_own:
            lines.append(self.board.own)
        return lines

    def _name(self, line) -> str:
        if line is self.board.own:
            return str(_("%(name)s (itself)") % {"name": line.agency.name})
        return line.agency.name

    def columns(self):
        columns = [_("Agency"), _("Officials"), _("Required"), _("Met"), _("Coverage (%)")]
        for competency in self.board.competencies:
            columns += [
                _("%(code)s: required") % {"code": competency.code},
                _("%(code)s: met") % {"code": competency.code},
            ]
        return columns + [
            _("Courses completed"),
            _("Sessions attended"),
            _("Certificates expiring"),
        ]

    def _row(self, name, line):
        row = [
            name,
            line.officials,
            line.required_total,
            line.met_total,
            percent(line.met_total, line.required_total),
        ]
        for competency in self.board.competencies:
            row += [line.required[competency.pk], line.met[competency.pk]]
        return row + [line.completions, line.attendances, line.expiring]

    def rows(self):
        rows = [self._row(self._name(line), line) for line in self._lines()]
        rows.append(self._row(str(_("Total")), self.board.total))
        return rows


class MonthsReport(Report):
    slug = "months"
    title = _("Completions and attendance by month")
    description = _("Courses completed and sessions attended in each month, across the subtree.")
    country_allowed = True

    def columns(self):
        return [_("Month"), _("Courses completed"), _("Sessions attended")]

    def rows(self):
        board = dashboard(self.agency, self.filters)
        return [[m.strftime("%m/%Y"), c, a] for m, c, a in board.months]


class OfficialsReport(Report):
    slug = "officials"
    title = _("Officials and their status")
    description = _(
        "Officials whose main post lies in this agency or under it, with the required "
        "competencies they are missing."
    )
    only_missing = False

    @cached_property
    def lines(self):
        lines = officials_status(self.agency, self.filters)
        if self.only_missing:
            lines = [line for line in lines if line.missing]
        return lines

    @cached_property
    def names(self):
        return {c.pk: c.code for c in Competency.objects.all()}

    def columns(self):
        return [
            _("Official"),
            _("Agency"),
            _("Position kind"),
            _("Status"),
            _("Missing competencies"),
            _("Courses completed"),
            _("Sessions attended"),
            _("Certificates expiring"),
        ]

    def rows(self):
        labels = dict(PositionKind.choices)
        status = {"met": _("Trained"), "missing": _("Not trained"), "none": _("Nothing required")}
        return [
            [
                line.official.full_name,
                line.agency_name,
                str(labels.get(line.position_kind, line.position_kind)),
                str(status[line.status]),
                ", ".join(self.names.get(c, "") for c in line.missing),
                line.completions,
                line.attendances,
                line.expiring,
            ]
            for line in self.lines
        ]

    def links(self):
        return [
            reverse("competencies:official_profile", args=[line.official.pk]) for line in self.lines
        ]


class UntrainedReport(OfficialsReport):
    slug = "untrained"
    title = _("Untrained officials")
    description = _(
        "Officials missing at least one competency their position requires: assign them a "
        "course or invite them to a session."
    )
    only_missing = True


class ExpiringReport(Report):
    slug = "expiring"
    title = _("Certificates expiring soon")
    description = _("Certificates of the subtree's officials that expire within 90 days.")

    @cached_property
    def certificates(self):
        from .selectors import Assignment, _active_q

        day = self.day
        posts = Assignment.objects.filter(_active_q(day), agency__path__startswith=self.agency.path)
        return list(
            Certificate.objects.filter(_held_q(day))
            .filter(
                official_id__in=posts.values("official_id"),
                valid_until__lte=day + datetime.timedelta(days=EXPIRY_WINDOW),
            )
            .select_related("official")
            .order_by("valid_until", "holder_name", "pk")
        )

    def columns(self):
        return [_("Holder"), _("Agency at issue"), _("Course"), _("Code"), _("Valid until")]

    def rows(self):
        return [
            [c.official.full_name, c.agency_name, c.course_title, c.code, c.valid_until]
            for c in self.certificates
        ]


class BelowThresholdReport(Report):
    slug = "below"
    title = _("Agencies below the threshold")
    description = _("Agencies under this one whose share of required competencies met is low.")
    country_allowed = True

    @property
    def threshold(self) -> int:
        try:
            value = int(self.params.get("threshold", DEFAULT_THRESHOLD))
        except (TypeError, ValueError):
            value = DEFAULT_THRESHOLD
        return min(max(value, 0), 100)

    def columns(self):
        return [_("Agency"), _("Officials"), _("Required"), _("Met"), _("Coverage (%)")]

    def rows(self):
        board = dashboard(self.agency, self.filters)
        rows = []
        for line in board.lines:
            coverage = line.coverage
            if coverage is not None and coverage < self.threshold:
                rows.append(
                    [
                        line.agency.name,
                        line.officials,
                        line.required_total,
                        line.met_total,
                        round(coverage, 1),
                    ]
                )
        return sorted(rows, key=lambda row: (row[4], row[0]))


class SessionsReport(Report):
    slug = "sessions"
    title = _("Sessions held and planned")
    description = _(
        "Training sessions hosted in the subtree: registered officials, those who attended at "
        "least one day, and the attendance rate."
    )

    @cached_property
    def sessions(self):
        registered = ~Q(
            registrations__status__in=[RegistrationStatus.DECLINED, RegistrationStatus.CANCELLED]
        )
        return list(
            TrainingSession.objects.filter(host_agency__path__startswith=self.agency.path)
            .exclude(status="cancelled")
            .annotate(
                first_day=Min("days__date"),
                registered=Count("registrations", filter=registered, distinct=True),
                attended=Count(
                    "registrations",
                    filter=Q(registrations__attendances__status__in=ATTENDED_STATUSES),
                    distinct=True,
                ),
            )
            .select_related("host_agency")
            .order_by("first_day", "pk")
        )

    def columns(self):
        return [
            _("Session"),
            _("Host agency"),
            _("First day"),
            _("Held or planned"),
            _("Registered"),
            _("Attended"),
            _("Attendance rate (%)"),
        ]

    def rows(self):
        today = timezone.localdate()
        return [
            [
                s.title,
                s.host_agency.name,
                s.first_day,
                str(_("Held") if s.first_day and s.first_day <= today else _("Planned")),
                s.registered,
                s.attended,
                percent(s.attended, s.registered),
            ]
            for s in self.sessions
        ]

    def links(self):
        return [reverse("training:session_detail", args=[s.pk]) for s in self.sessions]


class ClausesReport(Report):
    slug = "clauses"
    title = _("Quiz results by ISO clause")
    description = _(
        "Finished quiz answers of the subtree's officials, by the TCVN ISO 9001:2015 clause of "
        "the question: where its officials are weakest."
    )

    def columns(self):
        return [_("Clause"), _("Title"), _("Answers"), _("Score (%)")]

    def rows(self):
        totals = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
        titles = {}
        found = (
            Response.objects.filter(
                sitting__state=SittingState.FINISHED,
                sitting__agency__path__startswith=self.agency.path,
                question__clauses__isnull=False,
            )
            .values("question__clauses__number", "question__clauses__title")
            .annotate(answers=Count("pk"), score=Sum("score"), points=Sum("points"))
            .order_by()
        )
        for row in found:
            number = row["question__clauses__number"]
            titles[number] = row["question__clauses__title"]
            totals[number][0] += row["answers"]
            totals[number][1] += row["score"] or 0
            totals[number][2] += row["points"] or 0
        rows = [
            [number, titles[number], answers, percent(float(score), float(points))]
            for number, (answers, score, points) in totals.items()
        ]
        return sorted(rows, key=lambda r: (r[3] if r[3] is not None else 101, r[0]))


REPORTS = {
    report.slug: report
    for report in (
        CoverageReport,
        MonthsReport,
        OfficialsReport,
        UntrainedReport,
        ExpiringReport,
        BelowThresholdReport,
        SessionsReport,
        ClausesReport,
    )
}
