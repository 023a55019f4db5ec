"""Who may manage officials' logins."""

from lms.core.access import is_platform_admin, path_in_scope, rule, scope_paths
from lms.core.models import Role


@rule("users.reactivate")
def reactivate(user, obj) -> bool:
    """Reactivate a login: admins, and ISO secretaries over the agency of the person's last post."""
    if is_platform_admin(user):
        return True
    official = getattr(obj, "official", None) if obj is not None else None
    if official is None:
        return False
    last = official.assignments.select_related("agency").order_by("-start_date", "-pk").first()
    return last is not None and path_in_scope(
        last.agency.path, scope_paths(user, Role.ISO_SECRETARY)
    )
