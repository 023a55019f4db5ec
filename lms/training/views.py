"""Thin views over the training services; every view checks a rule from rules.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from lms.agencies.selectors import official_for_user
from lms.core.access import can, has_role, permission_required
from lms.core.models import Role

from . import reports, selectors, services
from .forms import RosterUploadForm, SecretaryRegisterForm, SessionCloseForm, SessionForm
from .models import Registration, RegistrationStatus, TrainingSession


def _session(request, pk, **kwargs):
    return get_object_or_404(TrainingSession.objects.select_related("host_agency", "course"), pk=pk)


def _official(request):
    if not hasattr(request, "_training_official"):
        request._training_official = official_for_user(request.user)
    return request._training_official


@permission_required("training.list_sessions")
def session_list(request):
    user = request.user
    official = _official(request)
    context = {
        "managed": selectors.sessions_managed_by(user) if has_role(user, Role.TRAINER) else None,
        "followed": (
            selectors.sessions_followed_by(user)
            if not has_role(user, Role.TRAINER)
            and has_role(user, Role.ISO_SECRETARY, Role.STEERING)
            else None
        ),
        "mine": list(selectors.registrations_of(official)) if official else [],
        "open_sessions": selectors.open_sessions_for(official) if official else [],
        "can_create": can(user, "training.create_session"),
    }
    return render(request, "training/session_list.html", context)


@permission_required("training.create_session")
def agency_search(request):
    """JSON for the session form's agency pickers: agencies in the user's trainer scope whose
    name contains, or code starts with, ``q`` (20 at most)."""
    from django.db.models import Q
    from django.http import JsonResponse

    from lms.agencies.selectors import agency_match_q

    from .forms import ID_TEXT, agencies_in_scope, agency_ref

    q = " ".join(request.GET.get("q", "").split())[:100]
    results = []
    if len(q) >= 2:
        ref = q.lstrip("#")
        match = agency_match_q(q)
        if q.startswith("#") and ID_TEXT.fullmatch(ref):
            match |= Q(pk=int(ref))
        agencies = agencies_in_scope(request.user, Role.TRAINER).filter(match)[:20]
        results = [
            {"ref": agency_ref(a), "name": a.name, "code": a.code, "depth": a.depth}
            for a in agencies
        ]
    return JsonResponse({"results": results})


@permission_required("training.create_session")
def session_create(request):
    return _session_form(request, instance=None, initial={})


@permission_required("training.manage_session", get_object=_session)
def session_copy(request, pk):
    source = request.permission_object
    if not can(request.user, "training.create_session"):
        return redirect("training:session_detail", pk=pk)
    return _session_form(
        request, instance=None, initial=services.session_copy_initial(session=source), source=source
    )


@permission_required("training.manage_session", get_object=_session)
def session_edit(request, pk):
    session = request.permission_object
    if session.is_final:
        messages.error(request, _("This session is closed; its records can no longer be changed."))
        return redirect("training:session_detail", pk=pk)
    return _session_form(request, instance=session, initial={})


def _over_capacity(session, counts=None) -> int:
    """How many more officials are invited or registered than there are seats (0 if none)."""
    if not session.capacity:
        return 0
    counts = counts or selectors.status_counts(session)
    invited = sum(counts[s] for s in ("invited", "registered", "waitlisted"))
    return max(invited - session.capacity, 0)


def _warn_over_capacity(request, session) -> None:
    if _over_capacity(session):
        messages.warning(
            request,
            _(
                "More officials are invited (%(invited)d) than there are seats (%(seats)d): "
                "those who register after the seats are taken go on the waiting list."
            )
            % {"invited": session.capacity + _over_capacity(session), "seats": session.capacity},
        )


def _session_form(request, *, instance, initial, source=None):
    form = SessionForm(request.POST or None, instance=instance, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                session = services.session_create(
                    by=request.user, copied_from=source, **form.service_kwargs()
                )
                messages.success(request, _("The session was created."))
            else:
                session = services.session_update(
                    session=instance, by=request.user, **form.service_kwargs()
                )
                messages.success(request, _("The session was saved."))
        except services.TrainingError as exc:
            messages.error(request, str(exc))
        else:
            _warn_over_capacity(request, session)
            return redirect("training:session_detail", pk=session.pk)
    return render(
        request, "training/session_form.html", {"form": form, "session": instance, "source": source}
    )


@permission_required("training.view_session", get_object=_session)
def session_detail(request, pk):
    session = request.permission_object
    user = request.user
    manage = can(user, "training.manage_session", session)
    official = _official(request)
    mine = (
        Registration.objects.filter(session=session, official=official).first()
        if official
        else None
    )
    waitlist_position = None
    if mine and mine.status == RegistrationStatus.WAITLISTED:
        waitlist_position = (
            Registration.objects.filter(
                session=session,
                status=RegistrationStatus.WAITLISTED,
                registered_at__lt=mine.registered_at,
            ).count()
            + 1
        )
    counts = selectors.status_counts(session)
    context = {
        "session": session,
        "waitlist_position": waitlist_position,
        "days": list(session.days.all()),
        "trainers": list(session.trainers.all()),
        "targets": list(session.target_agencies.all()),
        "positions": session.target_positions,
        "manage": manage,
        "mine": mine,
        "can_register_self": official is not None and can(user, "training.register_self", session),
        "can_secretary": can(user, "training.secretary_register", session),
        "can_report": can(user, "training.view_report", session),
        "counts": counts,
        "over_capacity": _over_capacity(session, counts) if manage else 0,
        "registrations": list(selectors.session_registrations(session)) if manage else [],
        "my_people": (
            list(selectors.registrations_in_scope(session, user, Role.ISO_SECRETARY))
            if not manage and has_role(user, Role.ISO_SECRETARY)
            else []
        ),
    }
    return render(request, "training/session_detail.html", context)


@require_POST
@permission_required("training.manage_session", get_object=_session)
def session_invite(request, pk):
    session = request.permission_object
    try:
        targets = services.target_official_ids(session=session)
        if len(targets) > services.BACKGROUND_INVITATIONS:
            job = services.session_invite_job_create(
                session=session, by=request.user, total=len(targets)
            )
            return redirect("bulk_job", pk=job.pk)
        created = services.registration_invite(session=session, officials=targets, by=request.user)
    except services.TrainingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            ngettext("%(n)d official was invited.", "%(n)d officials were invited.", len(created))
            % {"n": len(created)},
        )
        _warn_over_capacity(request, session)
    return redirect("training:session_detail", pk=pk)


@permission_required("training.manage_session", get_object=_session)
def roster_upload(request, pk):
    session = request.permission_object
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.registration_invite(
                session=session, officials=form.official_ids, by=request.user
            )
        except services.TrainingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d official was invited.", "%(n)d officials were invited.", len(created)
                )
                % {"n": len(created)},
            )
            return redirect("training:session_detail", pk=pk)
    return render(request, "training/roster_upload.html", {"session": session, "form": form})


def _self_action(request, pk, action):
    session = request.permission_object  # loaded and checked by the view's decorator
    official = _official(request)
    registration = Registration.objects.filter(session=session, official=official).first()
    try:
        if action == "register":
            registration = services.registration_register(
                session=session, official=official, by=request.user
            )
            if registration.status == RegistrationStatus.WAITLISTED:
                messages.info(request, _("The session is full; you are on the waiting list."))
            else:
                messages.success(request, _("You are registered."))
        elif registration is None:
            messages.error(request, _("You have no invitation or registration for this session."))
        elif action == "decline":
            services.registration_decline(registration=registration, by=request.user)
            messages.success(request, _("You declined the invitation."))
        else:
            services.registration_cancel(registration=registration, by=request.user)
            messages.success(request, _("Your registration was cancelled."))
    except services.TrainingError as exc:
        messages.error(request, str(exc))
    return redirect("training:session_detail", pk=pk)


@require_POST
@permission_required("training.register_self", get_object=_session)
def register(request, pk):
    return _self_action(request, pk, "register")


@require_POST
@permission_required("training.register_self", get_object=_session)
def decline(request, pk):
    return _self_action(request, pk, "decline")


@require_POST
@permission_required("training.register_self", get_object=_session)
def cancel(request, pk):
    return _self_action(request, pk, "cancel")


@permission_required("training.secretary_register", get_object=_session)
def secretary_register(request, pk):
    session = request.permission_object
    form = SecretaryRegisterForm(request.POST or None, user=request.user, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.secretary_register(
                session=session, officials=form.cleaned_data["officials"], by=request.user
            )
        except services.TrainingError as exc:
            messages.error(request, str(exc))
        else:
            waitlisted = sum(1 for r in done if r.status == RegistrationStatus.WAITLISTED)
            messages.success(
                request,
                _("%(n)d registered, %(w)d on the waiting list.")
                % {"n": len(done) - waitlisted, "w": waitlisted},
            )
            return redirect("training:session_detail", pk=pk)
    return render(request, "training/secretary_register.html", {"session": session, "form": form})


@permission_required("training.manage_session", get_object=_session)
def registration_remove(request, pk, registration_pk):
    """Take an official off the roster, with the reason (kept in the registration's history)."""
    session = request.permission_object
    registration = get_object_or_404(
        Registration.objects.select_related("official", "agency"),
        pk=registration_pk,
        session=session,
    )
    error = ""
    if request.method == "POST":
        try:
            services.registration_remove(
                registration=registration, by=request.user, reason=request.POST.get("reason", "")
            )
        except services.TrainingError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("%(name)s was removed from the roster.") % {"name": registration.official},
            )
            return redirect("training:session_detail", pk=pk)
    return render(
        request,
        "training/registration_remove.html",
        {"session": session, "registration": registration, "error": error},
        status=400 if error else 200,
    )


@permission_required("training.manage_session", get_object=_session)
def session_close(request, pk):
    """Show what closing will do (who completes, who does not), then close on confirmation."""
    session = request.permission_object
    if session.is_final:
        messages.error(request, _("This session is closed; its records can no longer be changed."))
        return redirect("training:session_detail", pk=pk)
    preview = services.session_close_preview(session=session)
    form = SessionCloseForm(request.POST if request.method == "POST" else None, early=preview.early)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.session_close(
                session=session,
                by=request.user,
                end_early=preview.early,
                reason=form.cleaned_data.get("reason", ""),
            )
        except services.TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "The session is closed: %(completed)d of %(registered)d participants "
                    "completed it."
                )
                % result,
            )
            return redirect("training:session_detail", pk=pk)
    return render(
        request,
        "training/session_close.html",
        {"session": session, "preview": preview, "form": form},
        status=400 if form.errors else 200,
    )


@permission_required("training.view_report", get_object=_session)
def session_report(request, pk):
    session = request.permission_object
    context = {
        **selectors.session_report(session),
        "evidence": selectors.session_evidence(session),
        "agency_columns": reports.agency_columns(),
    }
    return render(request, "training/session_report.html", context)


@permission_required("training.view_report", get_object=_session)
def session_report_xlsx(request, pk):
    session = request.permission_object
    response = HttpResponse(
        reports.report_xlsx(selectors.session_report(session)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.xlsx"'
    return response


@permission_required("training.view_report", get_object=_session)
def session_report_pdf(request, pk):
    session = request.permission_object
    response = HttpResponse(
        reports.report_pdf(selectors.session_report(session), signer=request.user.display_name),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.pdf"'
    return response
