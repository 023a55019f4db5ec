"""Two-factor login with an authenticator app (TOTP) and printed backup codes (django-otp).

Platform administrators must pass a code after their password when OTP_REQUIRED_FOR_ADMINS is
on: until they have a confirmed device they reach nothing but the setup page. ISO secretaries
and steering-committee members may set a device up on their profile; from then on their logins
ask for a code too. django_otp's OTPMiddleware marks a verified session (``user.is_verified()``);
``OTPRequiredMiddleware`` below sends whoever still owes a code to the verify or setup page, the
Wagtail and Django admins included.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from lms.core.access import has_role, menu_roles
from lms.core.models import Role

PENDING_KEY = "lms_otp_pending"  # session: this login still owes a code
SETUP_KEY = "lms_otp_setup_key"  # session: the secret shown on the setup page, not yet confirmed
SETUP_TRIES_KEY = "lms_otp_setup_tries"
SETUP_MAX_TRIES = 5
BACKUP_CODES = 10
OFFERED_ROLES = (Role.ISO_SECRETARY, Role.STEERING)


def admin_must_verify(user) -> bool:
    """Platform admins owe a code at each login while the setting is on."""
    return settings.OTP_REQUIRED_FOR_ADMINS and Role.ADMIN in menu_roles(user)


def has_device(user) -> bool:
    return any(devices_for_user(user, confirmed=True))


def may_set_up(user) -> bool:
    return has_role(user, *OFFERED_ROLES)


@receiver(user_logged_in)
def mark_pending(sender, request, user, **kwargs) -> None:
    """A user with a device owes a code after the password (checked once per login)."""
    if request is not None and hasattr(request, "session") and has_device(user):
        request.session[PENDING_KEY] = True


class OTPRequiredMiddleware:
    """Sends a logged-in user who owes a code to the verify page (or, for an admin without a
    device, to the setup page); only those pages, logout and static files stay open."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and (request.session.get(PENDING_KEY) or admin_must_verify(user))
            and not self._open(request.path)
        ):
            target = "otp_verify" if has_device(user) else "otp_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        open_paths = (
            reverse("otp_verify"),
            reverse("otp_setup"),
            reverse("logout"),
            reverse("set_language"),
            reverse("javascript-catalog"),
            settings.STATIC_URL,
        )
        return path.startswith(open_paths)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("account")


def _verify_setup_code(key_hex: str, token: str) -> int | None:
    """The TOTP time step the code matches for this secret (one step either side), or None."""
    try:
        value = int(token)
    except ValueError:
        return None
    totp = TOTP(unhexlify(key_hex))
    return totp.t() if totp.verify(value, tolerance=1) else None


@transaction.atomic
def otp_devices_create(*, user, key_hex: str, last_t: int) -> tuple[TOTPDevice, list[str]]:
    """Replace the user's devices with a confirmed TOTP device and fresh backup codes."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    device = TOTPDevice(user=user, name="authenticator", key=key_hex, confirmed=True, last_t=last_t)
    device.full_clean()
    device.save()
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    return device, codes


def otp_devices_reset(*, user) -> int:
    """Remove every device of the user (a lost phone); an admin sets one up again at login."""
    count = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        count += 1
    return count


@login_required
def otp_setup(request):
    """Show a new secret as a QR code; a correct code from the app confirms it."""
    user = request.user
    if not (may_set_up(user) or admin_must_verify(user)):
        raise PermissionDenied("otp_setup")
    configured = has_device(user)
    if configured and not user.is_verified():
        # Replacing a device needs the current one first.
        return redirect(f"{reverse('otp_verify')}?{urlencode({'next': request.path})}")
    key_hex = request.session.get(SETUP_KEY)
    if not key_hex or request.session.get(SETUP_TRIES_KEY, 0) >= SETUP_MAX_TRIES:
        key_hex = default_key()
        request.session[SETUP_KEY] = key_hex
        request.session[SETUP_TRIES_KEY] = 0
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        last_t = _verify_setup_code(key_hex, form.cleaned_data["token"].strip())
        if last_t is not None:
            device, codes = otp_devices_create(user=user, key_hex=key_hex, last_t=last_t)
            otp_login(request, device)
            for key in (SETUP_KEY, SETUP_TRIES_KEY, PENDING_KEY):
                request.session.pop(key, None)
            # Shown this once: only their use is stored as a match, never shown again.
            return render(request, "users/otp_backup_codes.html", {"codes": codes})
        request.session[SETUP_TRIES_KEY] = request.session.get(SETUP_TRIES_KEY, 0) + 1
        form.add_error(
            "token", _("The code does not match. Check the phone's clock and try again.")
        )
    device = TOTPDevice(user=user, key=key_hex)
    return render(
        request,
        "users/otp_setup.html",
        {
            "form": form,
            "configured": configured,
            "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4),
            "secret": _grouped_secret(device),
            "next": _next_url(request),
        },
    )


def _grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def otp_verify(request):
    """Ask for the code of the authenticator app (or a backup code) after the password."""
    if not has_device(request.user):
        if not (may_set_up(request.user) or admin_must_verify(request.user)):
            raise PermissionDenied("otp_verify")
        return redirect(reverse("otp_setup"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            request.session.pop(PENDING_KEY, None)
            if isinstance(device, StaticDevice):
                messages.warning(request, _("You used a backup code; each code works only once."))
            return redirect(_next_url(request))
        form.add_error("token", _("This code is not valid. Try the newest one from the app."))
    return render(request, "users/otp_verify.html", {"form": form, "next": _next_url(request)})
