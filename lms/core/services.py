"""Writes for platform-level records: role assignments."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from .access import forget_scopes
from .models import Role, RoleAssignment

# Content editors work in Wagtail's admin through its stock groups (page, image and document
# permissions are granted to these groups by Wagtail's own migrations).
EDITOR_GROUPS = ("Editors",)


@transaction.atomic
def role_assign(*, user, role: str, agency=None, granted_by=None) -> RoleAssignment:
    """Give ``user`` the ``role`` over ``agency``'s subtree (None: platform-wide); idempotent."""
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user, role=role, agency=agency, defaults={"granted_by": granted_by}
    )
    assignment.full_clean()
    _sync_admin_access(user)
    forget_scopes(user)
    return assignment


@transaction.atomic
def role_revoke(*, user, role: str, agency=None) -> int:
    deleted, _ = RoleAssignment.objects.filter(user=user, role=role, agency=agency).delete()
    _sync_admin_access(user)
    forget_scopes(user)
    return deleted


def _sync_admin_access(user) -> None:
    """Editors and platform admins get Wagtail's editor groups; others lose them."""
    wants = RoleAssignment.objects.filter(user=user, role__in=[Role.EDITOR, Role.ADMIN]).exists()
    groups = list(Group.objects.filter(name__in=EDITOR_GROUPS))
    if wants:
        user.groups.add(*groups)
    else:
        user.groups.remove(*groups)
