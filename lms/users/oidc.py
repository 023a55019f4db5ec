"""Single sign-on with a province's OpenID Connect provider (mozilla-django-oidc).

Off unless ``OIDC_RP_CLIENT_ID`` is set (lms/settings/base.py): the two views below answer 404
and the backend is not in AUTHENTICATION_BACKENDS. When on, the login page links to ``sso:start``,
which sends the browser to the provider (authorization code flow with state, nonce and PKCE);
the provider sends it back to ``sso:callback`` with a code, which the backend exchanges for an
id_token (signature checked against the provider's keys, issuer and audience checked here) and
the userinfo claims. Those are matched to an existing official (selectors.official_for_sso):

- by the staff-code claim (``OIDC_STAFF_CODE_CLAIM``), else
- by the email, only when the provider says it is verified (``OIDC_REQUIRE_VERIFIED_EMAIL``).

A match with a login signs that login in; a match without one gets a login made the way
accounts are made from officials (services.account_for_sso). No match, two matches, a
deactivated login or one locked by django-axes is refused with a message on the login page, and
nothing is created: officials come from the officials import only.

Everything else about a login stays as for a password: the request passes the client-address
throttle and django-axes first (a refused sign-in counts against the client's address), the
session is named after the password backend (so it is loaded from the cache and outlives a
provider that is switched off), staff and learner session lifetimes apply (user_logged_in), and
two-factor login is still asked of platform admins and of anyone with a device: the provider's
own second factor is not visible to us, and an admin account reaches everyone's records.
"""

from __future__ import annotations

import logging

import jwt
import requests
from axes.attempts import get_cool_off_threshold
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .selectors import SSOMatch, official_for_sso
from .services import account_for_sso

logger = logging.getLogger(__name__)

# Sessions opened by single sign-on load their user as password sessions do (cached).
SESSION_BACKEND = "lms.users.backends.StaffCodeOrEmailBackend"


def sso_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME


class SSORefused(Exception):
    """A sign-in the provider confirmed but that names no usable login here."""


def _refuse(request, message: str) -> None:
    if request is not None:
        messages.error(request, message)


def _claim_true(value) -> bool:
    return value is True or str(value).strip().lower() == "true"


class OfficialOIDCBackend(OIDCAuthenticationBackend):
    """Signs in the official that the provider's claims name, never anyone else."""

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; password logins are none of this backend's.
        if request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SSORefused as exc:
            logger.info("single sign-on refused: %s", exc.args[1] if len(exc.args) > 1 else "")
            _refuse(request, str(exc.args[0]))
        except (requests.RequestException, SuspiciousOperation, jwt.InvalidTokenError) as exc:
            logger.warning("single sign-on failed: %s", exc)
            _refuse(
                request,
                _("%(provider)s did not confirm your sign-in. Please try again.")
                % {"provider": provider_name()},
            )
        return None

    def verify_token(self, token, **kwargs):
        """The library checks the signature and the nonce; the issuer and audience too here."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("id_token audience is not this client")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("id_token issuer is not OIDC_OP_ISSUER")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SSORefused(
                _("%(provider)s did not confirm your sign-in. Please try again.")
                % {"provider": provider_name()},
                "userinfo is about another subject than the id_token",
            )
        claims = {**payload, **userinfo}
        return self.user_for_claims(claims)

    def user_for_claims(self, claims: dict):
        """The login for these (verified) claims, or SSORefused with the message to show."""
        claim = settings.OIDC_STAFF_CODE_CLAIM
        staff_code = claims.get(claim) if claim else None
        email = claims.get("email")
        if settings.OIDC_REQUIRE_VERIFIED_EMAIL and not _claim_true(claims.get("email_verified")):
            email = None
        official, why = official_for_sso(
            staff_code=str(staff_code) if staff_code else None, email=email
        )
        provider = provider_name()
        who = f"sub={claims.get('sub')}"
        if why == SSOMatch.AMBIGUOUS:
            raise SSORefused(
                _(
                    "Your %(provider)s account matches more than one official. Ask your ISO "
                    "secretary to correct the staff codes or email addresses."
                )
                % {"provider": provider},
                f"{who}: ambiguous",
            )
        if why == SSOMatch.CONFLICT:
            raise SSORefused(
                _(
                    "Your %(provider)s account gives another staff code than the official with "
                    "its email address. Ask your ISO secretary to correct the record."
                )
                % {"provider": provider},
                f"{who}: staff code conflict",
            )
        if official is None:
            raise SSORefused(
                _(
                    "No official on this platform matches your %(provider)s account (by staff "
                    "code or verified email). Ask your ISO secretary to add you or to correct "
                    "your record."
                )
                % {"provider": provider},
                f"{who}: no official",
            )
        if official.user is not None and not official.user.is_active:
            raise SSORefused(
                _("Your login is deactivated. Ask your ISO secretary to reactivate it."),
                f"{who}: deactivated user {official.user.pk}",
            )
        if self._locked(official):
            raise SSORefused(
                _(
                    "This account is locked after too many failed logins. Try again later or "
                    "ask an administrator to unlock it."
                ),
                f"{who}: locked by django-axes",
            )
        return account_for_sso(official=official)

    def _locked(self, official) -> bool:
        """django-axes counts wrong passwords per identifier typed at the login form (staff
        code, email or username, in whatever case): any of this account's that is locked there
        locks single sign-on too, until the same cool-off or an unlock."""
        identifiers = {official.staff_code, official.email}
        if official.user is not None:
            identifiers |= {official.user.username, official.user.email}
        identifiers = {i.lower() for i in identifiers if i}
        request = self.request
        AxesProxyHandler.update_request(request)
        matches = Q()
        for identifier in identifiers:
            matches |= Q(username__iexact=identifier)
        failures: dict[str, int] = {}
        attempts = AccessAttempt.objects.filter(
            matches, attempt_time__gte=get_cool_off_threshold(request)
        ).values_list("username", "failures_since_start")
        for username, count in attempts:
            failures[username.lower()] = failures.get(username.lower(), 0) + count
        limit = get_failure_limit(request, None)
        return any(count >= limit for count in failures.values())


class SSOStartView(OIDCAuthenticationRequestView):
    """To the provider's sign-in page (404 while single sign-on is off)."""

    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            raise Http404("single sign-on is off")
        return super().dispatch(request, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if not sso_enabled():  # the library reads the provider's settings here
            super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
            return
        super().__init__(*args, **kwargs)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: sign the matched official in, or back to the login page with the
    reason (404 while single sign-on is off)."""

    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            raise Http404("single sign-on is off")
        return super().dispatch(request, *args, **kwargs)

    @property
    def failure_url(self):
        return reverse("login")

    def login_failure(self):
        return HttpResponseRedirect(self.failure_url)

    def login_success(self):
        self.user.backend = SESSION_BACKEND
        return super().login_success()

    def get(self, request):
        if request.GET.get("error"):
            _refuse(
                request,
                _("Signing in with %(provider)s was cancelled or refused.")
                % {"provider": provider_name()},
            )
        try:
            return super().get(request)
        except SuspiciousOperation:
            # A state this browser never started (an old tab, the back button, a forged link).
            _refuse(request, _("This sign-in has expired. Please start again."))
            return self.login_failure()
