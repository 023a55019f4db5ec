"""Who may see the dashboards: steering committee members, ISO secretaries and provincial
administrators over their subtree; platform administrators over the country."""

from lms.core.access import agency_in_scope, has_role, is_platform_admin, rule
from lms.core.models import Role

VIEWER_ROLES = (Role.STEERING, Role.ISO_SECRETARY, Role.PROVINCIAL_ADMIN)


@rule("reports.open")
def open_reports(user, obj) -> bool:
    """The dashboards' entry page (and the header link)."""
    return has_role(user, *VIEWER_ROLES)


@rule("reports.view")
def view(user, obj) -> bool:
    """One agency's dashboard, lists and exports; ``None`` is the whole country."""
    if obj is None:
        return is_platform_admin(user)
    return agency_in_scope(user, obj, *VIEWER_ROLES)


@rule("reports.download_export")
def download_export(user, obj) -> bool:
    """A background export: its requester only, while they may still see the agency."""
    return obj.requested_by_id == user.pk and view(user, obj.agency)
