"""Account activation from the emailed link, and reactivation of a login."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from lms.core.access import permission_required

from . import services
from .activation import activation_token
from .forms import ReactivateForm
from .models import User


class ActivateView(auth_views.PasswordResetConfirmView):
    """Choose a password from the one-time link; the person is then logged in."""

    token_generator = activation_token
    template_name = "users/activate.html"
    post_reset_login = True
    post_reset_login_backend = "lms.users.backends.StaffCodeOrEmailBackend"
    success_url = reverse_lazy("accounts:activated")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # An activated account (usable password) or a deactivated one gets no new password here.
        if user is None or not user.is_active or user.has_usable_password():
            return None
        return user


def activated(request):
    return render(request, "users/activated.html")


def _user(request, pk):
    return get_object_or_404(User.objects.select_related("official"), pk=pk)


@permission_required("users.reactivate", get_object=_user)
def reactivate(request, pk):
    """Give a deactivated login back, with a reason kept in its history."""
    person = request.permission_object
    form = ReactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_reactivate(
                user=person, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The login of %(name)s is active again.") % {"name": person}
            )
            return redirect("accounts:reactivate", pk=person.pk)
    return render(request, "users/reactivate.html", {"person": person, "form": form})
