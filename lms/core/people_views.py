"""People and roles: the officials of the user's administration scope, and their roles."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import permission_required, require, scope_paths
from .forms import GrantForm, PeopleFilterForm, RevokeForm
from .models import Role, RoleAssignment

PAGE_SIZE = 50


def _scope(user) -> tuple[str, ...]:
    return scope_paths(user, Role.PROVINCIAL_ADMIN)


def _person(request, pk, **kwargs):
    """The official, if they hold a current post inside the user's administration scope."""
    require(request.user, "core.manage_people")  # 403 before the 404 of an empty scope
    people = selectors.people_in_scope(prefixes=_scope(request.user)).select_related("user")
    return get_object_or_404(people, pk=pk)


@permission_required("core.manage_people")
def person_list(request):
    agencies = selectors.filter_agencies(_scope(request.user))
    form = PeopleFilterForm(request.GET or None, agencies=agencies)
    if form.is_bound and not form.is_valid():
        people = selectors.people_in_scope(prefixes=_scope(request.user)).none()
    else:
        filters = form.filters() if form.is_bound else {}
        people = selectors.people_in_scope(prefixes=_scope(request.user), **filters)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "core/people/person_list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.people_rows(page.object_list),
            "extra_query": urlencode(query),
        },
    )


def _detail(request, official, *, grant_form=None, revoke_form=None, status=200):
    user = official.user
    context = {"official": official, "grant_form": grant_form, "revoke_form": revoke_form}
    if user is not None:
        context.update(selectors.person_roles(user=user))
        context["grant_form"] = grant_form or GrantForm(
            granter=request.user,
            agencies=selectors.grant_scopes(official, _scope(request.user)),
        )
        context["revoke_form"] = revoke_form or RevokeForm()
        context["is_self"] = user.pk == request.user.pk
    return render(request, "core/people/person_detail.html", context, status=status)


@permission_required("core.manage_people", get_object=_person)
def person_detail(request, pk):
    return _detail(request, request.permission_object)


def _refuse(form, error: ValidationError) -> None:
    """The service's refusals on the form's fields; others (the person) above the form."""
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@require_POST
@permission_required("core.manage_people", get_object=_person)
def role_grant(request, pk):
    official = request.permission_object
    form = GrantForm(
        request.POST,
        granter=request.user,
        agencies=selectors.grant_scopes(official, _scope(request.user)),
    )
    if form.is_valid():
        try:
            user = services.official_login(official)
            grant = services.role_grant(
                user=user,
                role=form.cleaned_data["role"],
                agency=form.cleaned_data["agency"],
                valid_until=form.cleaned_data["valid_until"],
                reason=form.cleaned_data["reason"],
                granted_by=request.user,
                page=form.cleaned_data["page"],
                collection=form.cleaned_data["collection"],
            )
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(
                request,
                _("%(person)s now holds the role %(role)s.")
                % {"person": official.full_name, "role": grant.get_role_display()},
            )
            return redirect("people:person_detail", pk=official.pk)
    if official.user_id is None:
        for problem in form.non_field_errors():
            messages.error(request, problem)
        return redirect("people:person_detail", pk=official.pk)
    return _detail(request, official, grant_form=form, status=400)


@require_POST
@permission_required("core.manage_people", get_object=_person)
def role_revoke(request, pk, grant_pk):
    official = request.permission_object
    if official.user_id is None:
        raise Http404
    grant = get_object_or_404(
        RoleAssignment.objects.select_related("user", "agency"), pk=grant_pk, user=official.user
    )
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.role_withdraw(
                assignment=grant, reason=form.cleaned_data["reason"], revoked_by=request.user
            )
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(
                request,
                _("The role %(role)s of %(person)s is revoked.")
                % {"person": official.full_name, "role": grant.get_role_display()},
            )
            return redirect("people:person_detail", pk=official.pk)
    for problem in [*form.non_field_errors(), *form.errors.get("reason", [])]:
        messages.error(request, problem)
    return redirect("people:person_detail", pk=official.pk)


@require_POST
@permission_required("core.manage_people", get_object=_person)
def login_create(request, pk):
    """A login for an official of the scope, with its activation email (or a code sheet)."""
    from lms.users.services import accounts_create

    official = request.permission_object
    if official.user_id is not None:
        messages.error(request, _("%(person)s already has a login.") % {"person": official})
        return redirect("people:person_detail", pk=official.pk)
    result = accounts_create(officials=[official], by=request.user)
    if result.mailed:
        messages.success(
            request,
            _("A login is created for %(person)s; the activation email is sent to %(email)s.")
            % {"person": official.full_name, "email": official.email},
        )
    else:
        messages.success(
            request,
            _(
                "A login is created for %(person)s, who has no email: print an activation code "
                "sheet from the agency page."
            )
            % {"person": official.full_name},
        )
    return redirect("people:person_detail", pk=official.pk)


@require_POST
@permission_required("core.manage_people", get_object=_person)
def activation_resend(request, pk):
    """Send the activation email again to a login that was never activated."""
    from lms.users.services import activation_resend as resend

    official = request.permission_object
    if official.user_id is None:
        raise Http404
    try:
        message = resend(user=official.user)
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("A new activation email is sent to %(email)s.") % {"email": message.recipient},
        )
    return redirect("people:person_detail", pk=official.pk)
