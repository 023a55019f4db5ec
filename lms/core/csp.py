"""The Content-Security-Policy of every response (django-csp), with the admin's own policy."""

import functools
from dataclasses import asdict

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, PolicyParts
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

# What a view or decorator may set on a response to change its policy (django-csp).
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(BaseCSPMiddleware):
    """Pages get CONTENT_SECURITY_POLICY; the Wagtail and Django admins, whose templates still
    hold inline scripts and style attributes, get CONTENT_SECURITY_POLICY_ADMIN.

    The header is the same for every response that asked for no nonce and changed nothing, so
    it is built once per kind (page or admin) rather than twice per response (the policy and
    the report-only one, some 0.1 ms on a page served from the cache); anything else takes
    django-csp's own way."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and _is_admin(request):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        return parts

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or settings.DEBUG
        ):
            return super().process_response(request, response)
        excluded = (settings.CONTENT_SECURITY_POLICY or {}).get("EXCLUDE_URL_PREFIXES") or ()
        if (
            HEADER not in response
            and getattr(response, "_csp_exempt", False) is False
            and not request.path_info.startswith(tuple(excluded))
        ):
            policy = _plain_policy(_is_admin(request))
            if policy:
                response[HEADER] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _is_admin(request) -> bool:
    return request.path_info.startswith(settings.CSP_ADMIN_PREFIXES)


@functools.cache
def _plain_policy(admin: bool) -> str:
    config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"] if admin else None
    return build_policy(**asdict(PolicyParts(config=config)))


def _forget_policy(setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting in ("CSP_ADMIN_PREFIXES",):
        _plain_policy.cache_clear()


setting_changed.connect(_forget_policy, dispatch_uid="lms_csp_forget_policy")
