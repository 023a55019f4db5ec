"""Dashboards, report tables and their exports; thin views over selectors and report classes."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.agencies.models import Agency
from lms.core.access import EVERYWHERE, can, permission_required, scope_paths
from lms.core.models import Role
from lms.core.pagination import paginate
from lms.core.text import sort_key

from . import charts, services
from .formatters import CSV, XLSX, to_csv, to_pdf, to_xlsx
from .forms import FilterForm, filters_of, form_for
from .models import ExportJob
from .reports import (
    DEFAULT_THRESHOLD,
    REPORTS,
    BelowThresholdReport,
    CoverageReport,
    MonthsReport,
)
from .rules import VIEWER_ROLES

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
LINES_PAGE_SIZE = 50  # child agencies per page of a dashboard
# Reports listed under the dashboard, in this order.
ACTION_REPORTS = ("untrained", "expiring", "below", "sessions", "clauses", "officials")


def _current() -> None:
    """Before any figure is read: rebuild the agencies whose records changed since (bounded; a
    worker, when there is one, takes the rest). With eager Celery and no worker this is what
    keeps the dashboards current. A database error here (a lock timeout, say) rolls the run
    back, leaves the marks for the next one and shows the figures as they were. A framework
    change (every agency to rebuild) is left to the worker when there is one."""
    from lms.celery import app

    try:
        services.summaries_refresh_pending(
            limit=services.READ_LIMIT, full=bool(app.conf.task_always_eager)
        )
    except DatabaseError:
        logger.warning("Reports: the pending summaries could not be refreshed.", exc_info=True)


def _agency(request, pk, **kwargs):
    return get_object_or_404(Agency, pk=pk)


def _query(filters, **extra) -> str:
    params = {**filters.params(), **{k: v for k, v in extra.items() if v not in (None, "")}}
    return urlencode(params)


FORMATS = ("", "csv", "xlsx")


class InvalidFilters(Exception):
    """A filter (or the export format) holds a value that is not accepted."""

    def __init__(self, form: FilterForm):
        self.form = form


def _read_filters(data, *, threshold: bool = False, fmt: str = ""):
    """(filters, bound form) of a query string or POST; InvalidFilters if any value is bad."""
    form = form_for(data, threshold=threshold)
    valid = form.is_valid()
    if fmt not in FORMATS:
        form.add_error(None, _("Format: choose CSV or XLSX."))
        valid = False
    if not valid:
        raise InvalidFilters(form)
    return filters_of(form.cleaned_data), form


def _refused(request, form, agency, *, action: str, heading: str):
    """400: the page of the filters to correct, their errors named; nothing computed."""
    return render(
        request,
        "reports/filters_invalid.html",
        {
            "agency": agency,
            "form": form,
            "filters_action": action,
            "heading": heading,
            "ancestors": _ancestors(request, agency) + ([agency] if agency else []),
        },
        status=400,
    )


def _dashboard_url(agency) -> str:
    return reverse("reports:dashboard", args=[agency.pk]) if agency else reverse("reports:index")


def _ancestors(request, agency):
    """The breadcrumb: the agency's ancestors that the viewer may open."""
    if agency is None:
        return []
    return [a for a in agency.get_ancestors() if can(request.user, "reports.view", a)]


@permission_required("reports.open")
def index(request):
    """Platform admins see the country; others go to their scope (or choose among several)."""
    paths = scope_paths(request.user, *VIEWER_ROLES)
    if EVERYWHERE in paths:
        return _dashboard(request, None)
    roots = sorted(Agency.objects.filter(path__in=paths), key=lambda a: sort_key(a.name))
    if len(roots) == 1:
        return redirect("reports:dashboard", pk=roots[0].pk)
    return render(request, "reports/index.html", {"roots": roots})


@permission_required("reports.view", get_object=_agency)
def dashboard(request, pk):
    return _dashboard(request, request.permission_object)


def _dashboard(request, agency):
    _current()
    try:
        filters, form = _read_filters(request.GET)
    except InvalidFilters as bad:
        return _refused(
            request,
            bad.form,
            agency,
            action=_dashboard_url(agency),
            heading=_dashboard_title(agency),
        )
    coverage = CoverageReport(agency, filters)
    board = coverage.board
    # A province has up to ~160 communes: one page of them, the total below every page.
    lines = paginate(board.lines, LINES_PAGE_SIZE, request.GET.get("page"), keep=_query(filters))
    coverage_chart = charts.bars(
        [
            (
                line.agency.name,
                line.coverage,
                "–" if line.coverage is None else f"{line.coverage:.1f} %".replace(".", ","),
            )
            for line in lines.object_list
        ],
        maximum=100,
        threshold=DEFAULT_THRESHOLD,
    )
    months_chart = charts.line([(m.strftime("%m/%Y"), c) for m, c, _a in board.months])
    actions = [
        REPORTS[slug] for slug in ACTION_REPORTS if REPORTS[slug].allowed(request.user, agency)
    ]
    return render(
        request,
        "reports/dashboard.html",
        {
            "agency": agency,
            "board": board,
            "coverage": coverage,
            "lines": lines,
            "form": form,
            "filters": filters,
            "query": _query(filters),
            "coverage_chart": coverage_chart,
            "months_chart": months_chart,
            "actions": actions,
            "ancestors": _ancestors(request, agency),
            "threshold": DEFAULT_THRESHOLD,
        },
    )


def _dashboard_title(agency) -> str:
    if agency is None:
        return _("Training dashboard: whole country")
    return _("Training dashboard: %(name)s") % {"name": agency.name}


def _report_response(request, report_class, agency):
    fmt = request.GET.get("format", "")
    threshold = report_class is BelowThresholdReport
    data = request.GET
    if threshold and "threshold" not in data:
        data = data.copy()
        data["threshold"] = DEFAULT_THRESHOLD
    try:
        filters, form = _read_filters(data, threshold=threshold, fmt=fmt)
    except InvalidFilters as bad:
        return _refused(
            request,
            bad.form,
            agency,
            action=request.path,
            heading=f"{report_class.title} – {agency.name if agency else _('Whole country')}",
        )
    extra = {"threshold": form.cleaned_data["threshold"]} if threshold else {}
    report = report_class(agency, filters, extra)
    if fmt == "csv":
        response = HttpResponse(to_csv(report), content_type=CSV)
        response["Content-Disposition"] = f'attachment; filename="{report.filename("csv")}"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(to_xlsx(report), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{report.filename("xlsx")}"'
        return response
    rows = report.rows()
    links = report.links()
    paired = [(row, links[i] if i < len(links) else None) for i, row in enumerate(rows)]
    query = _query(filters, **extra)
    page = paginate(paired, PAGE_SIZE, request.GET.get("page"), keep=query)
    return render(
        request,
        "reports/report.html",
        {
            "agency": agency,
            "report": report,
            "columns": report.columns(),
            "page": page,
            "form": form,
            "query": query,
            "ancestors": _ancestors(request, agency) + ([agency] if agency else []),
            "sessions_chart": _sessions_chart(report),
            "can_assign": report.slug == "untrained"
            and can(request.user, "courses.assign", agency),
            "can_invite": report.slug == "untrained" and _can_invite(request.user, agency),
        },
    )


def _untrained_prefill(request, agency) -> dict:
    """What the untrained list's filters choose, for the assign and invite forms (bad values
    are refused as on the list itself)."""
    filters, _form = _read_filters(request.GET)
    return {
        "position_kinds": [filters.position_kind] if filters.position_kind else [],
        "course": filters.course_id,
    }


@permission_required("reports.view", get_object=_agency)
def untrained_assign(request, pk):
    """The assign-a-course form with the agency (and the list's position and course) chosen;
    it is sent to the courses' own assign page, which checks everything again."""
    from lms.courses.forms import AssignForm

    agency = request.permission_object
    if not can(request.user, "courses.assign", agency):
        raise PermissionDenied("courses.assign")
    try:
        chosen = _untrained_prefill(request, agency)
    except InvalidFilters as bad:
        return _refused(
            request, bad.form, agency, action=request.path, heading=_("Assign a course")
        )
    form = AssignForm(
        user=request.user,
        initial={
            "agencies": [agency.pk],
            "position_kinds": chosen["position_kinds"],
            "course": chosen["course"],
        },
    )
    return render(
        request,
        "courses/assign.html",
        {"form": form, "preview": None, "form_action": reverse("courses:assign")},
    )


def _can_invite(user, agency) -> bool:
    """Whether the user creates sessions that may target ``agency``."""
    from lms.training.forms import agencies_in_scope

    return can(user, "training.create_session") and (
        agencies_in_scope(user, Role.TRAINER).filter(pk=agency.pk).exists()
    )


@permission_required("reports.view", get_object=_agency)
def untrained_invite(request, pk):
    """A new session's form with the agency as its target (and the list's position and
    course): the officials of the agency are invited once it is saved. Sent to the sessions'
    own create page, which checks everything again."""
    from lms.training.forms import SessionForm

    agency = request.permission_object
    if not _can_invite(request.user, agency):
        raise PermissionDenied("training.create_session")
    try:
        chosen = _untrained_prefill(request, agency)
    except InvalidFilters as bad:
        return _refused(
            request, bad.form, agency, action=request.path, heading=_("Invite to a session")
        )
    form = SessionForm(
        user=request.user,
        initial={
            "target_agencies": [agency.pk],
            "target_positions": chosen["position_kinds"],
            "course": chosen["course"],
        },
    )
    return render(
        request,
        "training/session_form.html",
        {"form": form, "session": None, "form_action": reverse("training:session_create")},
    )


def _sessions_chart(report):
    if report.slug != "sessions":
        return None
    items = []
    for row in report.rows():
        rate = row[6]
        items.append((row[0], rate, "–" if rate is None else f"{rate:.1f} %".replace(".", ",")))
    return charts.bars(items, maximum=100)


@permission_required("reports.view", get_object=_agency)
def report(request, pk, slug):
    agency = request.permission_object
    report_class = REPORTS.get(slug)
    if report_class is None:
        raise Http404
    if not report_class.allowed(request.user, agency):
        raise PermissionDenied(slug)
    _current()
    return _report_response(request, report_class, agency)


@permission_required("reports.view")
def country_report(request, slug):
    report_class = REPORTS.get(slug)
    if report_class is None or not report_class.country_allowed:
        raise Http404
    _current()
    return _report_response(request, report_class, None)


def _pdf(request, agency):
    _current()
    try:
        filters, _form = _read_filters(request.GET)
    except InvalidFilters as bad:
        return _refused(
            request,
            bad.form,
            agency,
            action=_dashboard_url(agency),
            heading=_dashboard_title(agency),
        )
    reports = [CoverageReport(agency, filters), MonthsReport(agency, filters)]
    content = to_pdf(reports, title=_("Training dashboard"))
    response = HttpResponse(content, content_type="application/pdf")
    place = agency.pk if agency else "country"
    day = filters.as_of or timezone.localdate()
    response["Content-Disposition"] = f'inline; filename="dashboard-{place}-{day:%Y%m%d}.pdf"'
    return response


@permission_required("reports.view", get_object=_agency)
def dashboard_pdf(request, pk):
    return _pdf(request, request.permission_object)


@permission_required("reports.view")
def country_pdf(request):
    return _pdf(request, None)


@require_POST
@permission_required("reports.view", get_object=_agency)
def export_start(request, pk):
    """Queue the whole dashboard of the agency as a workbook built in the background."""
    agency = request.permission_object
    try:
        filters, _form = _read_filters(request.POST)
    except InvalidFilters as bad:
        return _refused(
            request,
            bad.form,
            agency,
            action=_dashboard_url(agency),
            heading=_dashboard_title(agency),
        )
    job = services.export_job_create(agency=agency, by=request.user, params=filters.params())
    return redirect("reports:export_job", pk=job.pk)


def _job(request, pk):
    return get_object_or_404(ExportJob.objects.select_related("agency"), pk=pk)


@permission_required("reports.download_export", get_object=_job)
def export_job(request, pk):
    """The progress of an export (polled by progress-poll.js; a refresh link without it)."""
    job = request.permission_object
    template = (
        "reports/_export_job.html"
        if request.headers.get("X-Requested-With")
        else ("reports/export_job.html")
    )
    return render(request, template, {"job": job})


@permission_required("reports.download_export", get_object=_job)
def export_download(request, pk):
    job = request.permission_object
    if job.status != ExportJob.Status.DONE or job.expired or not job.file:
        raise Http404
    response = FileResponse(job.file.open("rb"), content_type=XLSX, as_attachment=True)
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{job.agency_id}-{job.created_at:%Y%m%d}.xlsx"'
    )
    return response
