"""Thin views over the certificate services; every view checks a rule from rules.py."""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.agencies.selectors import official_for_user
from lms.core.access import permission_required
from lms.core.csrf import get_token
from lms.core.release import release
from lms.training.models import TrainingSession

from . import lookups, selectors, services
from .codes import normalise
from .forms import ReissueForm, RevokeForm
from .models import Certificate, CertificateStatus


def _certificate(request, code, **kwargs) -> Certificate:
    code = normalise(code)
    if code is None:
        raise Http404
    return get_object_or_404(
        Certificate.objects.select_related("official", "agency", "session", "replaces"),
        code=code,
    )


@permission_required("certificates.view_own")
def my_certificates(request):
    official = official_for_user(request.user)
    rows = list(selectors.certificates_of(official))
    today = timezone.localdate()
    for row in rows:
        row.current_state = row.state_on(today)
    return render(request, "certificates/my_certificates.html", {"certificates": rows})


@permission_required("certificates.download", get_object=_certificate)
def download(request, code):
    certificate = services.certificate_pdf_ensure(certificate=request.permission_object)
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"giay-chung-nhan-{certificate.code}.pdf",
        content_type="application/pdf",
    )


@permission_required("certificates.manage")
def manage_list(request):
    query = request.GET.get("q", "")[:200]
    page = Paginator(selectors.certificates_managed(request.user, query=query), 50).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    for row in page.object_list:
        row.current_state = row.state_on(today)
    return render(request, "certificates/manage_list.html", {"page": page, "query": query})


@permission_required("certificates.manage", get_object=_certificate)
def detail(request, code):
    certificate = request.permission_object
    context = {
        "certificate": certificate,
        "current_state": certificate.state,
        "history": certificate.history.select_related("history_user").order_by("history_date"),
        "replaced_by": certificate.replaced_by.first(),
    }
    return render(request, "certificates/detail.html", context)


def _correct(request, form_class, action, template):
    certificate = request.permission_object
    if certificate.status == CertificateStatus.REVOKED:
        messages.error(request, _("This certificate is already revoked."))
        return redirect("certificates:detail", code=certificate.code)
    initial = {"holder_name": certificate.holder_name, "agency_name": certificate.agency_name}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = action(certificate, form.cleaned_data)
        except services.CertificateError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            return redirect("certificates:detail", code=result.code)
    return render(request, template, {"certificate": certificate, "form": form})


@permission_required("certificates.manage", get_object=_certificate)
def revoke(request, code):
    def action(certificate, data):
        done = services.certificate_revoke(
            certificate=certificate, by=request.user, reason=data["reason"]
        )
        messages.success(request, _("The certificate is revoked."))
        return done

    return _correct(request, RevokeForm, action, "certificates/revoke.html")


@permission_required("certificates.manage", get_object=_certificate)
def reissue(request, code):
    def action(certificate, data):
        new = services.certificate_reissue(
            certificate=certificate,
            by=request.user,
            reason=data["reason"],
            holder_name=data["holder_name"],
            agency_name=data["agency_name"],
        )
        messages.success(request, _("A corrected certificate replaces the revoked one."))
        return new

    return _correct(request, ReissueForm, action, "certificates/reissue.html")


def _session(request, pk, **kwargs):
    return get_object_or_404(TrainingSession, pk=pk)


@permission_required("training.manage_session", get_object=_session)
def session_progress(request, pk):
    """The trainer's view of the session's certificate batch (the session page includes it)."""
    session = request.permission_object
    return render(
        request,
        "certificates/_session_batch.html",
        {"session": session, "batch": selectors.latest_batch(session), "fragment": True},
    )


CSRF_SLOT = "\x00csrf\x00"
VERIFY_HTML_SECONDS = 3600


class _RecentPages:
    """The last rendered verify pages in this process's memory (a bounded LRU), in front of the
    shared cache. Safe to keep: the key holds the certificate's state, read from the shared
    data on every request, so a revocation or an expiry never finds an old page."""

    def __init__(self, size: int = 512):
        self.size = size
        self.pages: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self.lock:
            html = self.pages.get(key)
            if html is not None:
                self.pages.move_to_end(key)
            return html

    def put(self, key: str, html: str) -> None:
        with self.lock:
            self.pages[key] = html
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


_pages = _RecentPages()


def _plain_visit(request) -> bool:
    """Logged out, no message waiting: the page is the same for every such visitor but for the
    CSRF token of the header's language form."""
    if request.user.is_authenticated or "messages" in request.COOKIES:
        return False
    session = getattr(request, "session", None)
    return session is None or not session.session_key or "_messages" not in session


@require_GET
def verify(request, code):
    """Public: is this certificate genuine and valid? Shows nothing personal beyond the name.

    For logged-out visitors the rendered page is cached per code, state, language and release
    with a slot for the CSRF token (as lesson pages are, lms/courses/pagecache.py); revocation
    and expiry change the state, so they never show a stale page."""
    if lookups.limited(request):
        return render(request, "certificates/verify_limited.html", status=429)
    code = normalise(code)
    data = selectors.verify_data(code) if code else None
    if data is None:
        raise Http404
    today = timezone.localdate()
    if data["status"] == CertificateStatus.REVOKED:
        state = "revoked"
    elif data["valid_until"] is not None and data["valid_until"] < today:
        state = "expired"
    else:
        state = "valid"
    context = {"c": data, "state": state}
    if not _plain_visit(request):
        return render(request, "certificates/verify.html", context)
    key = f"certificates:verify-html:{code}:{state}:{get_language()}:{release()}"
    html = _pages.get(key)
    if html is None:
        html = cache.get(key)
        if html is None:
            html = render_to_string(
                "certificates/verify.html", {**context, "csrf_token": CSRF_SLOT}, request=request
            )
            cache.set(key, html, VERIFY_HTML_SECONDS)
        _pages.put(key, html)
    response = HttpResponse(html.replace(CSRF_SLOT, get_token(request)))
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response
