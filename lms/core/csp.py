"""The Content-Security-Policy of every response (django-csp), with the admin's own policy."""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings


class CSPMiddleware(BaseCSPMiddleware):
    """Pages get CONTENT_SECURITY_POLICY; the Wagtail and Django admins, whose templates still
    hold inline scripts and style attributes, get CONTENT_SECURITY_POLICY_ADMIN."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if (
            not report_only
            and parts.config is None
            and request.path_info.startswith(settings.CSP_ADMIN_PREFIXES)
        ):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        return parts
