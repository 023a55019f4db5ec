"""Who may see, download and revoke certificates (see lms.core.access)."""

from __future__ import annotations

from lms.core.access import agency_in_scope, has_role, is_platform_admin, rule
from lms.core.models import Role

MANAGERS = (Role.ISO_SECRETARY, Role.PROVINCIAL_ADMIN)


@rule("certificates.view_own")
def view_own(user, obj) -> bool:
    return True


@rule("certificates.manage")
def manage(user, certificate) -> bool:
    """Platform admins; ISO secretaries and provincial admins over the holder's agency at issue.
    With no certificate: may the user manage any (the list of the agencies in scope)?"""
    if is_platform_admin(user):
        return True
    if certificate is None:
        return has_role(user, *MANAGERS)
    return agency_in_scope(user, certificate.agency, *MANAGERS)


@rule("certificates.download")
def download(user, certificate) -> bool:
    """The holder, and those who manage the certificate."""
    if certificate.official.user_id == user.pk:
        return True
    return manage(user, certificate)
