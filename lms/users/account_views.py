"""Account activation from the emailed link, and reactivation of a login."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from lms.core.access import permission_required
from lms.core.auth import client_ip

from . import services
from .activation import activation_token
from .codes import activation_code_user
from .forms import ActivationCodeForm, LoginForm, ReactivateForm
from .models import ActivationCode, User

BACKEND = "lms.users.backends.StaffCodeOrEmailBackend"


class LoginView(auth_views.LoginView):
    """Django's login page with a staff code, email or username, and the province's single
    sign-on button when it is configured (lms/users/oidc.py). Without a safe ?next= an official
    lands on "My learning", a login with no official record (an administrator) on its account
    page (LOGIN_REDIRECT_URL)."""

    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        from .oidc import provider_name, sso_enabled

        context = super().get_context_data(**kwargs)
        context["sso_provider"] = provider_name() if sso_enabled() else ""
        return context

    def get_default_redirect_url(self):
        from lms.agencies.models import Official

        if Official.objects.filter(user=self.request.user).exists():
            return reverse("courses:my_learning")
        return super().get_default_redirect_url()


class ActivateView(auth_views.PasswordResetConfirmView):
    """Choose a password from the one-time link; the person is then logged in."""

    token_generator = activation_token
    template_name = "users/activate.html"
    post_reset_login = True
    post_reset_login_backend = BACKEND
    success_url = reverse_lazy("accounts:activated")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # An activated account (usable password) or a deactivated one gets no new password here.
        if user is None or not user.is_active or user.has_usable_password():
            return None
        return user


def activate_with_code(request):
    """Staff code and printed code, then the password twice; the person is then logged in."""
    code_form = ActivationCodeForm(request.POST or None)
    password_form = SetPasswordForm(None)
    if request.method == "POST" and code_form.is_valid():
        if is_ratelimited(
            request,
            group="activation-code",
            key=lambda group, request: client_ip(request),
            rate=settings.ACTIVATION_CODE_RATE,
            method="POST",
            increment=True,
        ):
            code_form.add_error(None, _("Too many attempts. Please try again in an hour."))
        else:
            user = activation_code_user(
                staff_code=code_form.cleaned_data["staff_code"],
                code=code_form.cleaned_data["code"],
            )
            if user is not None:
                password_form = SetPasswordForm(user, request.POST)
            if user is None:
                code_form.add_error(
                    None,
                    _("This staff code and activation code do not match a valid code."),
                )
            elif password_form.is_valid():
                password_form.save()
                ActivationCode.objects.filter(user=user).delete()
                login(request, user, backend=BACKEND)
                return redirect("accounts:activated")
    return render(
        request,
        "users/activate_code.html",
        {"code_form": code_form, "password_form": password_form},
    )


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
