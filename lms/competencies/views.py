"""Competency profile and matrix pages; thin views over selectors and documents."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.agencies.models import Agency, Official, PositionKind
from lms.agencies.selectors import official_for_user
from lms.core.access import permission_required

from . import documents, selectors

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _agency(request, pk):
    return get_object_or_404(Agency, pk=pk)


def _official(request, pk):
    return get_object_or_404(Official, pk=pk)


def _profile_page(request, official, *, own: bool):
    profile = selectors.official_profile(official)
    led = selectors.led_agencies(request.user) if own else []
    return render(
        request,
        "competencies/profile.html",
        {"profile": profile, "own": own, "led_agencies": led},
    )


@permission_required("competencies.view_own")
def my_profile(request):
    """The logged-in official's own competencies; a login without an official sees why not."""
    official = official_for_user(request.user)
    if official is None:
        return render(request, "competencies/profile.html", {"profile": None, "own": True})
    return _profile_page(request, official, own=True)


@permission_required("competencies.view_own")
def my_profile_pdf(request):
    official = official_for_user(request.user)
    if official is None:
        return redirect("competencies:my_profile")
    return _pdf(official)


@permission_required("competencies.view_profile", get_object=_official)
def official_profile(request, pk):
    official = request.permission_object
    return _profile_page(request, official, own=official.user_id == request.user.pk)


@permission_required("competencies.view_profile", get_object=_official)
def official_profile_pdf(request, pk):
    return _pdf(request.permission_object)


def _pdf(official):
    profile = selectors.official_profile(official)
    response = HttpResponse(documents.profile_pdf(profile), content_type="application/pdf")
    name = f"competency-record-{official.pk}-{profile.today:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@permission_required("competencies.open_matrix")
def matrix_index(request):
    """The agencies whose matrix the user may open; straight to it when there is one."""
    agencies = selectors.matrix_agencies(request.user)
    if len(agencies) == 1:
        return redirect("competencies:matrix", pk=agencies[0].pk)
    return render(request, "competencies/matrix_index.html", {"agencies": agencies})


def _position_kind(request) -> str:
    kind = request.GET.get("position", "")
    return kind if kind in PositionKind.values else ""


@permission_required("competencies.view_matrix", get_object=_agency)
def matrix(request, pk):
    agency = request.permission_object
    kind = _position_kind(request)
    today = timezone.localdate()
    columns, by_kind = selectors.matrix_columns(kind)
    officials = selectors.matrix_officials(agency, position_kind=kind, today=today)
    page = Paginator(officials, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.matrix_rows(agency, list(page.object_list), columns, by_kind, today=today)
    return render(
        request,
        "competencies/matrix.html",
        {
            "agency": agency,
            "columns": columns,
            "rows": rows,
            "page": page,
            "summary": selectors.matrix_summary(agency, columns, by_kind, today=today),
            "today": today,
            "position": kind,
            "position_kinds": PositionKind.choices,
            "extra_query": urlencode({"position": kind}) if kind else "",
            "warning_days": selectors.EXPIRY_WARNING_DAYS,
        },
    )


@permission_required("competencies.view_matrix", get_object=_agency)
def matrix_xlsx(request, pk):
    """Every official of the scope (all pages) with the page's summary, in one workbook."""
    agency = request.permission_object
    kind = _position_kind(request)
    today = timezone.localdate()
    columns, by_kind = selectors.matrix_columns(kind)
    officials = list(selectors.matrix_officials(agency, position_kind=kind, today=today))
    rows = selectors.matrix_rows(agency, officials, columns, by_kind, today=today)
    content = documents.matrix_xlsx(
        agency=agency,
        position_label=str(PositionKind(kind).label) if kind else _("All position kinds"),
        today=today,
        columns=columns,
        rows=rows,
        summary=selectors.matrix_summary(agency, columns, by_kind, today=today),
    )
    response = HttpResponse(content, content_type=XLSX)
    suffix = f"-{kind}" if kind else ""
    response["Content-Disposition"] = (
        f'attachment; filename="competency-matrix-{agency.pk}{suffix}-{today:%Y%m%d}.xlsx"'
    )
    return response
