"""Agency tree pages and the roster import; thin views over selectors and services."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.core.access import can, permission_required, scope_paths
from lms.core.tabular import TableError
from lms.users import services as users_services
from lms.users.codes import activation_codes_issue, code_sheet_pdf

from . import selectors, services
from .forms import AgencySearchForm, ChangeRequestDecisionForm, RosterUploadForm
from .models import Agency, AgencyChangeRequest, ImportJob, Official
from .roster import COLUMN_HELP, COLUMNS, REQUIRED, read_roster
from .rules import IMPORTER_ROLES, VIEWER_ROLES

PAGE_SIZE = 25
CHILDREN_PAGE_SIZE = 50  # units listed on an agency page (a province has up to ~160 communes)


def _agency(request, pk):
    return get_object_or_404(Agency, pk=pk)


@permission_required("agencies.view_tree")
def agency_list(request):
    """The agencies the user may see: their scope roots, or search results within the scope."""
    form = AgencySearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    agencies = selectors.agencies_visible(request.user, VIEWER_ROLES, query=query)
    page = Paginator(agencies, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.official_counts(list(page.object_list))
    rows = [(agency, counts[agency.pk]) for agency in page.object_list]
    return render(
        request,
        "agencies/agency_list.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "rows": rows,
            "extra_query": urlencode({"q": query}) if query else "",
        },
    )


@permission_required("agencies.view_agency", get_object=_agency)
def agency_detail(request, pk):
    agency = request.permission_object
    show_all = request.GET.get("history") == "1"
    history = {"history": "1"} if show_all else {}
    context = selectors.agency_overview(
        agency,
        viewer_paths=scope_paths(request.user, *VIEWER_ROLES),
        children_page=request.GET.get("units_page"),
        children_per_page=CHILDREN_PAGE_SIZE,
        children_keep={**history, "page": request.GET.get("page", "")[:9]},
    )
    posts = selectors.posts_under(
        agency, on=None if show_all else datetime.date.today(), paths=context["lineage_paths"]
    )
    context["page"] = Paginator(posts, 50).get_page(request.GET.get("page"))
    units_page = context["children_page"].number
    context["officials_query"] = urlencode(
        {**history, **({"units_page": units_page} if units_page > 1 else {})}
    )
    context["show_all"] = show_all
    context["manages_accounts"] = can(request.user, "agencies.import_officials", agency)
    context["competency_matrix"] = can(request.user, "competencies.view_matrix", agency)
    return render(request, "agencies/agency_detail.html", context)


@require_POST
@permission_required("agencies.import_officials", get_object=_agency)
def create_accounts(request, pk):
    """Logins (with activation emails) for the officials ticked on the agency page."""
    agency = request.permission_object
    try:
        wanted = {int(value) for value in request.POST.getlist("official")}
    except ValueError:
        wanted = None
    if not wanted:
        messages.error(request, _("Tick at least one official without a login."))
        return redirect("agencies:agency_detail", pk=agency.pk)
    officials = selectors.officials_for_accounts(
        agency, ids=wanted, paths=scope_paths(request.user, *IMPORTER_ROLES)
    )
    if len(officials) != len(wanted):
        # An id from outside the page (another agency, another province): refuse everything.
        raise PermissionDenied("agencies.import_officials")
    if "resend" in request.POST:
        return _resend_activation(request, agency, officials)
    result = users_services.accounts_create(officials=officials, by=request.user)
    if "codes" in request.POST:
        return _code_sheet(request, agency, [o.pk for o in officials])
    messages.success(
        request,
        _(
            "%(created)s logins created; %(mailed)s activation emails queued; %(without)s "
            "officials have no email and need an activation code sheet."
        )
        % {"created": result.created, "mailed": result.mailed, "without": result.without_email},
    )
    return redirect("agencies:agency_detail", pk=agency.pk)


@permission_required("agencies.import_officials")
def import_officials(request):
    """Upload a roster for the agencies the user manages; all rows are checked before any write."""
    result = None
    file_error = ""
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = read_roster(upload.read(), upload.name)
            except TableError as exc:
                file_error = " ".join(exc.errors)
            else:
                paths = scope_paths(request.user, *IMPORTER_ROLES)
                if len(rows) > services.BACKGROUND_ROWS:
                    upload.seek(0)
                    job = services.import_job_create(
                        filename=upload.name,
                        content=upload.read(),
                        rows=len(rows),
                        within_paths=paths,
                        by=request.user,
                        create_accounts=form.cleaned_data["create_accounts"],
                    )
                    return redirect("agencies:import_job", pk=job.pk)
                result = services.officials_import(
                    rows=rows,
                    within_paths=paths,
                    by_user=request.user,
                    create_accounts=form.cleaned_data["create_accounts"],
                )
    else:
        form = RosterUploadForm()
    return render(
        request,
        "agencies/import_officials.html",
        {"form": form, "result": result, "file_error": file_error, "columns": column_help()},
    )


@permission_required("agencies.import_officials")
def import_job(request, pk):
    """A background import's state; its result is shown as the import page shows one."""
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user)
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    return render(
        request,
        "agencies/import_officials.html",
        {
            "form": RosterUploadForm(),
            "job": job,
            "result": services.import_result_from(job.result) if finished else None,
            "progress": None if finished else services.import_job_progress(job.pk),
            "columns": column_help(),
        },
    )


def _resend_activation(request, agency, officials):
    """The activation email again for the ticked logins not activated yet (one each)."""
    sent = 0
    for official in officials:
        if official.user_id is None:
            continue
        try:
            users_services.activation_resend(user=official.user)
        except ValidationError as exc:
            messages.error(request, f"{official.full_name}: {' '.join(exc.messages)}")
        else:
            sent += 1
    if sent:
        messages.success(request, _("%(count)s activation emails sent again.") % {"count": sent})
    return redirect("agencies:agency_detail", pk=agency.pk)


def _code_sheet(request, agency, official_ids):
    """The printable one-time codes for the chosen officials whose login is not activated."""
    officials = (
        Official.objects.filter(pk__in=official_ids)
        .select_related("user")
        .order_by("full_name", "pk")
    )
    slips = activation_codes_issue(officials=list(officials))
    if not slips:
        messages.error(
            request,
            _("No code to print: the ticked officials are activated or have no staff code."),
        )
        return redirect("agencies:agency_detail", pk=agency.pk)
    response = HttpResponse(code_sheet_pdf(slips=slips), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="activation-codes-{agency.pk}.pdf"'
    return response


def column_help() -> list[dict]:
    """The import page's table of accepted columns."""
    return [
        {
            "name": name,
            "aliases": headers[1:],
            "required": name in REQUIRED,
            "help": COLUMN_HELP[name],
        }
        for name, headers in COLUMNS.items()
    ]


@permission_required("agencies.review_change_requests")
def change_request_list(request):
    """Pending agency correction requests that the secretary's scope covers."""
    page = Paginator(selectors.change_requests_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "agencies/change_request_list.html", {"page": page})


def _change_request(request, pk):
    return get_object_or_404(
        AgencyChangeRequest.objects.select_related("official", "agency", "current_agency"), pk=pk
    )


@permission_required("agencies.decide_change_request", get_object=_change_request)
def change_request_detail(request, pk):
    """One request: approve (moves the post) or refuse with a reason."""
    change = request.permission_object
    form = ChangeRequestDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = (
            services.agency_change_request_approve
            if form.cleaned_data["decision"] == "approve"
            else services.agency_change_request_refuse
        )
        try:
            decide(request_id=change.pk, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The decision is recorded and the official notified."))
            return redirect("agencies:change_request_list")
    posts = change.official.assignments.select_related("agency").order_by("-start_date")
    return render(
        request,
        "agencies/change_request_detail.html",
        {"change": change, "form": form, "posts": list(posts)},
    )
