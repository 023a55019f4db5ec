"""Platform-level permission rules."""

from .access import has_role, is_platform_admin, rule
from .models import Role


@rule("core.view_account")
def view_account(user, obj) -> bool:
    return True


@rule("core.manage_platform")
def manage_platform(user, obj) -> bool:
    return is_platform_admin(user)


@rule("core.edit_content")
def edit_content(user, obj) -> bool:
    return has_role(user, Role.EDITOR)


@rule("core.manage_people")
def manage_people(user, obj) -> bool:
    """The People and roles pages: platform admins, and provincial administrators (subtree)."""
    return has_role(user, Role.PROVINCIAL_ADMIN)
