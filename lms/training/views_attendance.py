"""Attendance views: the trainer's roster, QR check-in, card scanning, paper sheets, walk-ins."""

from __future__ import annotations

from types import SimpleNamespace

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.formats import time_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lms.agencies.models import Assignment, Official
from lms.core import skeleton
from lms.core.access import is_platform_admin, require, scope_q
from lms.core.csrf import get_token
from lms.core.models import Role
from lms.core.text import fold, parse_id

from . import attendance as svc
from . import checkin, pdf, sheets
from .models import (
    AttendanceEvidence,
    AttendanceMethod,
    AttendanceStatus,
    Registration,
    SessionDay,
    TrainingSession,
    WalkIn,
)


def _day(session_pk: int, day_pk: int) -> SessionDay:
    return get_object_or_404(
        SessionDay.objects.select_related("session", "session__host_agency"),
        pk=day_pk,
        session_id=session_pk,
    )


def _trainer_day(request, pk: int, day_pk: int) -> SessionDay:
    """The day, after checking the user may take attendance for its session."""
    if not request.user.is_authenticated:
        raise _LoginNeeded
    day = _day(pk, day_pk)
    require(request.user, "training.take_attendance", day.session)
    return day


class _LoginNeeded(Exception):
    pass


def trainer_view(view):
    """Anonymous users go to login; others need training.take_attendance on the session."""

    def wrapper(request, pk, day_pk, **kwargs):
        try:
            day = _trainer_day(request, pk, day_pk)
        except _LoginNeeded:
            return redirect_to_login(request.get_full_path())
        return view(request, day, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _hhmm(moment) -> str:
    return time_format(timezone.localtime(moment), "H:i")


def _take_url(day: SessionDay, q: str = "") -> str:
    url = reverse("training:attendance_take", kwargs={"pk": day.session_id, "day_pk": day.pk})
    return f"{url}?{urlencode({'q': q})}" if q else url


STATUS_CHOICES = [
    (AttendanceStatus.PRESENT, gettext_lazy("Present")),
    (AttendanceStatus.LATE, gettext_lazy("Late")),
    (AttendanceStatus.EXCUSED, gettext_lazy("Excused")),
    (AttendanceStatus.ABSENT, gettext_lazy("Absent")),
]


# --- 1. the trainer's roster ----------------------------------------------------------------


@never_cache
@trainer_view
def attendance_take(request, day):
    """The trainer's phone page: one row per official, one tap per status."""
    q = request.GET.get("q", "").strip()
    roster = svc.day_roster(day=day)
    if q:
        roster = [
            e
            for e in roster
            if svc.name_matches(e.full_name, q) or q.lower() == e.staff_code.lower()
        ]
    walk_ins = list(WalkIn.objects.filter(day=day).select_related("matched_official"))
    context = {
        "session": day.session,
        "day": day,
        "days": list(day.session.days.all()),
        "roster": roster,
        "q": q,
        "counts": svc.day_counts(day=day),
        "statuses": STATUS_CHOICES,
        "walk_ins": walk_ins,
        "not_yet": day.date > svc.today(),
        "closed": day.session.is_final or day.date > svc.today(),
    }
    return render(request, "training/attendance/take.html", context)


def _bad_id(request, name: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("The form sent “%(value)s” as %(field)s, which is not an id. Reload the page.")
        % {"value": request.POST.get(name, "")[:50], "field": name},
        content_type="text/plain; charset=utf-8",
    )


@require_POST
@trainer_view
def attendance_mark(request, day):
    """One tap sets one status; fetch/htmx gets the row back, plain forms a redirect."""
    registration_pk = parse_id(request.POST.get("registration"))
    if registration_pk is None:
        return _bad_id(request, "registration")
    registration = get_object_or_404(
        Registration.objects.select_related("official", "agency"),
        pk=registration_pk,
        session_id=day.session_id,
    )
    status = request.POST.get("status", "")
    q = request.POST.get("q", "")
    error = ""
    try:
        svc.attendance_mark(
            day=day,
            registration=registration,
            status=status,
            method=AttendanceMethod.TRAINER,
            by=request.user,
        )
    except svc.AttendanceError as exc:
        error = str(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_take_url(day, q))
    entry = next((e for e in svc.day_roster(day=day) if e.registration.pk == registration.pk), None)
    context = {
        "entry": entry,
        "day": day,
        "statuses": STATUS_CHOICES,
        "counts": svc.day_counts(day=day),
        "error": error,
        "q": q,
        "closed": day.session.is_final or day.date > svc.today(),
        "oob": True,
    }
    response = render(
        request, "training/attendance/_row.html", context, status=409 if error else 200
    )
    return response


# --- 2. QR self check-in --------------------------------------------------------------------


def _checkin_url(request, day, token) -> str:
    return request.build_absolute_uri(
        reverse("training:checkin", kwargs={"pk": day.session_id, "day_pk": day.pk, "token": token})
    )


def _qr_context(request, day):
    token = checkin.checkin_token_issue(day=day)
    url = _checkin_url(request, day, token)
    qr = segno.make_qr(url, error="m")
    svg = qr.svg_inline(border=2, omitsize=True, title=_("Check-in QR code"))
    return {
        "day": day,
        "session": day.session,
        "svg": svg,
        "url": url,
        "counts": svc.day_counts(day=day),
    }


@never_cache
@trainer_view
def checkin_display(request, day):
    """The projector page: a QR code that changes every 30 seconds."""
    not_yet = day.date > svc.today()
    closed = day.session.is_final
    # No code for a closed session or a day still to come: learners would only be refused.
    if closed or not_yet:
        context = {"day": day, "session": day.session}
    else:
        context = _qr_context(request, day)
    context.update(closed=closed, not_yet=not_yet, refresh_ms=5_000)
    return render(request, "training/attendance/checkin_display.html", context)


@never_cache
@trainer_view
def checkin_qr(request, day):
    """The current QR only (polled by the projector page); none for a future day."""
    if day.session.is_final:
        return HttpResponse(status=410)
    if day.date > svc.today():
        return HttpResponse(status=404)
    return render(request, "training/attendance/_qr.html", _qr_context(request, day))


def checkin_today():
    """The local date on which self check-in is open (a function, so tests can set the day)."""
    return timezone.localdate()


CHECKIN_VALUES = ("title", "venue", "day_date", "official", "message", "csrf", "name", "account")


def _checkin_page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """A check-in page (training/attendance/checkin_page.html): the site's look without its menu,
    rendered from ``context`` alone (no context processors: nothing read per user but the name
    in the header, from the user the session already loaded).

    A room checks in within a minute, so the page is rendered once per process for each shape
    (which template, whether the session has a venue, whether the official is checked in, signed
    in, asked to confirm) with markers where the values go, and filled in per request
    (``lms.core.skeleton``)."""
    session, day = context["session"], context["day"]
    registration = context.get("registration")
    signed_in = request.user.is_authenticated
    values = {
        "title": session.title,
        "venue": session.venue or "",
        "day_date": formats.date_format(day.date, "d/m/Y"),
        "official": registration.official.full_name if registration is not None else "",
        "message": context.get("message", ""),
        "csrf": context.get("csrf_token", ""),
        "name": request.user.display_name if signed_in else "",
        "account": reverse("account") if signed_in else "",
    }
    shape = (
        template,
        bool(values["venue"]),
        registration is not None,
        bool(context.get("done")),
        "message" in context,
        bool(values["csrf"]),
        signed_in,
    )

    def build(markers) -> str:
        def marked(name: str) -> str | None:
            return markers(name) if values[name] else None

        stand_in = {
            "session": SimpleNamespace(title=markers("title"), venue=marked("venue")),
            "day_date": markers("day_date"),
            "registration": SimpleNamespace(official=SimpleNamespace(full_name=markers("official")))
            if registration is not None
            else None,
            "done": bool(context.get("done")),
            "account_name": marked("name"),
            "account_url": marked("account"),
            "csrf_token": marked("csrf"),
        }
        if "message" in context:
            stand_in["message"] = markers("message")
        return loader.get_template(template).render(stand_in)

    kept = skeleton.parts(shape, CHECKIN_VALUES, build)
    if kept is None:
        plain = context | {"day_date": values["day_date"]}
        if signed_in:
            plain.update(account_name=values["name"], account_url=values["account"])
        return HttpResponse(loader.get_template(template).render(plain), status=status)
    return HttpResponse(skeleton.fill(kept, values), status=status)


def _refuse(request, day, message, status):
    context = {"day": day, "session": day.session, "message": message}
    return _checkin_page(request, "training/attendance/checkin_refused.html", context, status)


@never_cache
def checkin_view(request, pk, day_pk, token):
    """The URL in the QR code: GET asks to confirm, POST marks present or late.

    A burst of hundreds of phones hits this view within a minute, so a confirmed check-in costs
    one read (the day, its session, the user's registration and their row of the day together)
    and, on PostgreSQL, one write statement (the attendance row, its history and the reports'
    mark; a short transaction elsewhere), and a page of its own; a repeated scan answers from the
    read. The code is checked
    on every request, the confirmation and the login in between included: it is accepted within
    its own 60 seconds only, never remembered beyond them.
    """
    # The registration, read with the day, stands for the "training.checkin_self" rule.
    found = svc.checkin_read(session_pk=pk, day_pk=day_pk, user=request.user)
    day, registration = found.day, found.registration
    if day is None:
        raise Http404
    try:
        checkin.checkin_token_verify(token=token, day=day)
    except checkin.TokenError as exc:
        return _refuse(request, day, exc.message, status=400)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = day.session
    if session.is_final:
        return _refuse(request, day, _("This session is closed: check-in is over."), status=403)
    if day.date != checkin_today():
        # A code shown ahead of time (or a leftover one) must not mark anyone present on a day
        # they have not come yet: self check-in is open on the day itself only.
        message = _("Check-in for this day is open on %(date)s only.") % {
            "date": formats.date_format(day.date, "SHORT_DATE_FORMAT")
        }
        return _refuse(request, day, message, status=403)
    if registration is None:
        return _refuse(
            request,
            day,
            _("You are not on the list of participants of this session. Please see the trainer."),
            status=403,
        )
    context = {"day": day, "session": session, "registration": registration, "token": token}
    done = found.attendance
    if done is not None and done.status not in svc.ATTENDED_STATUSES:
        done = None  # marked absent or excused by the trainer: arriving changes it
    already = done is not None
    if request.method == "POST" and not already:
        # attendance_arrive inserts the row, or finds the one a concurrent scan (a double tap)
        # inserted: an earlier check-in is kept as is.
        result = svc.attendance_arrive(
            day=day, registration=registration, method=AttendanceMethod.QR, by=request.user
        )
        done, already = result.attendance, result.already
    if done is not None:
        context["done"] = done
        if already:
            context["message"] = _("You already checked in at %(time)s.") % {
                "time": _hhmm(done.marked_at)
            }
        else:
            context["message"] = _("Checked in at %(time)s: %(status)s.") % {
                "time": _hhmm(done.marked_at),
                "status": done.get_status_display(),
            }
    else:
        # The confirmation form: the token drawn the cheap way (lms.core.csrf).
        context["csrf_token"] = get_token(request)
    return _checkin_page(request, "training/attendance/checkin.html", context)


# --- 3. cards scanned by the trainer --------------------------------------------------------


class CardScanForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Card code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "inputmode": "text"}
        ),
        help_text=gettext_lazy(
            "Scan the QR code on the official's card, or type the code printed under it."
        ),
    )


@never_cache
@trainer_view
def card_scan(request, day):
    """The trainer's phone: a scanner (keyboard or camera) fills the code, posting marks arrival."""
    result = None
    form = CardScanForm()
    if request.method == "POST":
        bound = CardScanForm(request.POST)
        if bound.is_valid():
            result = _scan(request, day, bound.cleaned_data["code"])
        else:
            form = bound
    context = {
        "day": day,
        "session": day.session,
        "form": form,
        "result": result,
        "counts": svc.day_counts(day=day),
    }
    return render(request, "training/attendance/card_scan.html", context)


def _scan(request, day, code) -> dict:
    reg_id = checkin.card_code_registration_id(code)
    registration = (
        Registration.objects.filter(pk=reg_id, session_id=day.session_id)
        .select_related("official", "session")
        .first()
        if reg_id
        else None
    )
    if registration is None or not checkin.card_code_matches(code=code, registration=registration):
        return {"ok": False, "message": _("This card is not for this session.")}
    if registration.status not in svc.ROSTER_STATUSES:
        return {
            "ok": False,
            "message": _("%(name)s's registration is cancelled.") % {"name": registration.official},
        }
    try:
        arrival = svc.attendance_arrive(
            day=day, registration=registration, method=AttendanceMethod.CARD, by=request.user
        )
    except svc.AttendanceError as exc:
        return {"ok": False, "message": str(exc)}
    when = _hhmm(arrival.attendance.marked_at)
    if arrival.already:
        message = _("%(name)s already checked in at %(time)s.") % {
            "name": registration.official,
            "time": when,
        }
    else:
        message = _("%(name)s: %(status)s at %(time)s.") % {
            "name": registration.official,
            "status": arrival.attendance.get_status_display(),
            "time": when,
        }
    return {"ok": True, "message": message}


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def roster_cards_pdf(request, pk):
    """Printable QR cards for every official on the roster, 8 per A4 page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = get_object_or_404(TrainingSession, pk=pk)
    require(request.user, "training.take_attendance", session)
    cards = [
        pdf.Card(
            full_name=registration.official.full_name,
            agency=registration.agency.name if registration.agency else "",
            code=checkin.card_code(registration=registration),
        )
        for registration in svc.session_roster(session=session)
    ]
    return _pdf_response(
        pdf.roster_cards_pdf(session_title=session.title, cards=cards), f"cards-{session.pk}.pdf"
    )


# --- 4. paper -------------------------------------------------------------------------------


def _session_page_url(request, day) -> str:
    try:
        url = reverse("training:session_detail", kwargs={"pk": day.session_id})
    except NoReverseMatch:
        url = _take_url(day)
    return request.build_absolute_uri(url)


@trainer_view
def signin_sheet_pdf(request, day):
    """The A4 landscape sign-in sheet for one day, numbered as the import expects."""
    session = day.session
    rows = [
        pdf.SheetRow(number=e.number, full_name=e.full_name, agency=e.agency, position=e.position)
        for e in svc.day_roster(day=day)
    ]
    content = pdf.signin_sheet_pdf(
        title=session.title,
        day_label=f"{day.date:%d/%m/%Y} {day.start_time:%H:%M}–{day.end_time:%H:%M}",
        venue=", ".join(filter(None, [session.venue, session.address])),
        rows=rows,
        qr_url=_session_page_url(request, day),
    )
    return _pdf_response(content, f"sign-in-{session.pk}-{day.date:%Y%m%d}.pdf")


@trainer_view
def sheet_template(request, day):
    """The XLSX to fill in and upload: the day's roster with an empty attendance column."""
    response = HttpResponse(
        sheets.sheet_template_xlsx(day=day),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="sign-in-{day.session_id}-{day.date:%Y%m%d}.xlsx"'
    )
    return response


class SheetUploadForm(forms.Form):
    data_file = forms.FileField(
        label=gettext_lazy("Marked sheet (CSV or XLSX)"),
        help_text=gettext_lazy(
            "Columns: No. or staff_code or name, and status (có mặt, đi muộn, vắng có phép, vắng)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    evidence = forms.FileField(
        label=gettext_lazy("Scanned signed sheet (PDF or image)"),
        help_text=gettext_lazy("Kept as evidence of the attendance record."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp"}),
    )


@trainer_view
def sheet_upload(request, day):
    """Import the marked sign-in sheet: every row checked first, then all marked or none."""
    errors: list[str] = []
    form = SheetUploadForm()
    if request.method == "POST":
        form = SheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = sheets.sheet_import(
                    day=day,
                    data_file=form.cleaned_data["data_file"],
                    evidence=form.cleaned_data["evidence"],
                    by=request.user,
                )
            except sheets.SheetError as exc:
                errors = exc.errors
            except svc.AttendanceError as exc:
                errors = [str(exc)]
            else:
                messages.success(
                    request,
                    _("Sign-in sheet imported: %(marked)d marked, %(unchanged)d unchanged.")
                    % {"marked": result.marked, "unchanged": result.unchanged},
                )
                return redirect(_take_url(day))
    context = {
        "day": day,
        "session": day.session,
        "form": form,
        "errors": errors,
        "closed": day.session.is_final,
    }
    return render(
        request, "training/attendance/sheet_upload.html", context, status=400 if errors else 200
    )


@never_cache
def attendance_evidence(request, pk, evidence_pk):
    """A scanned sheet, only to those who see the session's attendance; always a download."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    evidence = get_object_or_404(
        AttendanceEvidence.objects.select_related("day__session__host_agency"),
        pk=evidence_pk,
        day__session_id=pk,
    )
    require(request.user, "training.view_attendance_evidence", evidence.day.session)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- 5. walk-ins ----------------------------------------------------------------------------


class WalkInForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    agency_name = forms.CharField(label=gettext_lazy("Agency"), max_length=255, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=30, required=False)


@trainer_view
def walkin_add(request, day):
    """Someone not on the list is here: record them and mark them present."""
    form = WalkInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            walk_in = svc.walkin_add(day=day, by=request.user, **form.cleaned_data)
        except svc.AttendanceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s was added as a walk-in and marked present.") % {"name": walk_in},
            )
            return redirect(_take_url(day))
    context = {"day": day, "session": day.session, "form": form, "closed": day.session.is_final}
    return render(request, "training/attendance/walkin_add.html", context)


def _candidates(user, q: str, within=None):
    """Officials in the user's trainer scope whose name or staff code matches ``q`` (20 at most)."""
    if len(q) < 2:
        return []
    officials = Official.objects.all() if within is None else within
    if not is_platform_admin(user):
        officials = officials.filter(scope_q(user, Role.TRAINER, field="assignments__agency"))
    by_name = Q()
    for word in fold(q).split()[:8]:
        by_name &= Q(name_folded__contains=word)
    officials = officials.filter(by_name | Q(staff_code__iexact=q) | Q(phone=q))
    return list(officials.distinct().order_by("full_name", "pk")[:20])


def _session_area_q(session) -> Q:
    """Officials now posted in the session's target agencies (or its host) subtrees."""
    from .services import _current_assignments_q

    paths = [a.path for a in session.target_agencies.all()] or [session.host_agency.path]
    area = Q()
    for path in paths:
        area |= Q(agency__path__startswith=path)
    current = Assignment.objects.filter(_current_assignments_q(timezone.localdate()))
    return Q(pk__in=current.filter(area).values("official_id"))


@trainer_view
def roster_add(request, day):
    """The trainer registers a named official on the spot: search the session's area, pick one."""
    from . import services

    session = day.session
    if request.method == "POST":
        official_pk = parse_id(request.POST.get("official"))
        if official_pk is None:
            return _bad_id(request, "official")
        official = get_object_or_404(
            Official.objects.filter(_session_area_q(session)), pk=official_pk
        )
        if not _official_in_scope(request.user, official):
            raise PermissionDenied("official outside scope")
        try:
            services.registration_add_by_trainer(
                session=session, official=official, by=request.user
            )
        except services.TrainingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("%(name)s is registered and on the roster.") % {"name": official}
            )
        return redirect(_take_url(day))
    q = request.GET.get("q", "").strip()
    registered = Registration.objects.filter(
        session=session, status__in=svc.ROSTER_STATUSES
    ).values("official_id")
    candidates = _candidates(
        request.user,
        q,
        within=Official.objects.filter(_session_area_q(session)).exclude(pk__in=registered),
    )
    context = {
        "day": day,
        "session": session,
        "q": q,
        "candidates": candidates,
        "closed": session.is_final,
    }
    return render(request, "training/attendance/roster_add.html", context)


def walkin_match(request, pk, walkin_pk):
    """Link a walk-in to an official: search, then confirm; creates their registration."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    walk_in = get_object_or_404(
        WalkIn.objects.select_related("session", "day", "matched_official"),
        pk=walkin_pk,
        session_id=pk,
    )
    require(request.user, "training.take_attendance", walk_in.session)
    day = walk_in.day
    day.session = walk_in.session
    if request.method == "POST":
        official_pk = parse_id(request.POST.get("official"))
        if official_pk is None:
            return _bad_id(request, "official")
        official = get_object_or_404(Official, pk=official_pk)
        if not _official_in_scope(request.user, official):
            raise PermissionDenied("official outside scope")
        try:
            svc.walkin_match(walk_in=walk_in, official=official, by=request.user)
        except svc.AttendanceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("%(walkin)s is now recorded as %(official)s.")
                % {"walkin": walk_in.full_name, "official": official},
            )
        return redirect(_take_url(day))
    q = request.GET.get("q", walk_in.full_name).strip()
    context = {
        "walk_in": walk_in,
        "day": day,
        "session": walk_in.session,
        "q": q,
        "candidates": _candidates(request.user, q),
        "closed": walk_in.session.is_final,
    }
    return render(request, "training/attendance/walkin_match.html", context)


def _official_in_scope(user, official) -> bool:
    if is_platform_admin(user):
        return True
    return (
        Official.objects.filter(pk=official.pk)
        .filter(scope_q(user, Role.TRAINER, field="assignments__agency"))
        .exists()
    )
