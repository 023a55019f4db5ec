import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from .auth import client_ip
from .models import BulkJob


def locked_out(request, original_response=None, credentials=None):
    """The page django-axes answers a locked-out login with (AXES_LOCKOUT_CALLABLE)."""
    minutes = settings.AXES_COOLOFF_TIME // datetime.timedelta(minutes=1)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def _reset_limited(request) -> bool:
    """Count this reset request per client and per address asked for; True when over the rate."""
    over = False
    for key in (lambda group, request: client_ip(request), "post:email"):
        over |= is_ratelimited(
            request,
            group="password-reset",
            key=key,
            rate=settings.PASSWORD_RESET_RATE,
            method="POST",
            increment=True,
        )
    return over


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, throttled per client and per email address."""

    def post(self, request, *args, **kwargs):
        if _reset_limited(request):
            messages.error(
                request, _("Too many password reset requests. Please try again in an hour.")
            )
            response = self.get(request, *args, **kwargs)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)


@login_required
def bulk_job(request, pk):
    """A background job's progress and result, for the user who started it only."""
    job = get_object_or_404(BulkJob, pk=pk, created_by=request.user)
    return render(request, "core/bulk_job.html", {"job": job})
