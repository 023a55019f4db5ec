"""Writes for platform-level records: role assignments."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import forget_scopes, is_platform_admin, path_in_scope, scope_paths
from .models import Role, RoleAssignment

# Content editors work in Wagtail's admin through its stock groups (page, image and document
# permissions are granted to these groups by Wagtail's own migrations).
EDITOR_GROUPS = ("Editors",)


@transaction.atomic
def role_assign(
    *, user, role: str, agency=None, granted_by=None, valid_until=None, reason: str = ""
) -> RoleAssignment:
    """Give ``user`` the ``role`` over ``agency``'s subtree (None: platform-wide); a grant that
    still counts is kept as it is, one that ended is renewed. No scope rule: see role_grant."""
    assignment = RoleAssignment.objects.filter(user=user, role=role, agency=agency).first()
    if assignment is not None and assignment.is_active:
        return assignment
    if assignment is None:
        assignment = RoleAssignment(user=user, role=role, agency=agency)
    else:
        assignment.granted_at = timezone.now()
    assignment.granted_by = granted_by
    assignment.valid_until = valid_until
    assignment.reason = reason
    assignment.full_clean()
    assignment._history_user = granted_by
    assignment._change_reason = reason or None
    assignment.save()
    _sync_admin_access(user)
    forget_scopes(user)
    return assignment


@transaction.atomic
def role_revoke(*, user, role: str, agency=None, revoked_by=None, reason: str = "") -> int:
    """Delete the grant; its history keeps who held it, who revoked it and why."""
    deleted = 0
    for assignment in RoleAssignment.objects.filter(user=user, role=role, agency=agency):
        if revoked_by is not None:
            assignment._history_user = revoked_by
        assignment._change_reason = reason or None
        assignment.delete()
        deleted += 1
    _sync_admin_access(user)
    forget_scopes(user)
    return deleted


def official_login(official):
    """The official's login, or a clear refusal: roles are held by logins."""
    if official.user_id is None:
        raise ValidationError(
            {
                "user": _(
                    "%(name)s has no login yet: create their account first, then grant the role."
                )
                % {"name": official.full_name}
            }
        )
    return official.user


def _check_authority(*, actor, user, role: str, agency) -> None:
    """May ``actor`` grant or revoke ``role`` over ``agency`` for ``user``? None: the platform."""
    if actor is None:
        return
    if actor.pk == user.pk:
        raise ValidationError({"user": _("Nobody grants or revokes their own roles.")})
    if is_platform_admin(actor):
        return
    if role == Role.ADMIN:
        raise ValidationError(
            {
                "role": _(
                    "Only platform administrators grant or revoke the platform administrator role."
                )
            }
        )
    if agency is None:
        raise ValidationError(
            {"agency": _("Only platform administrators grant or revoke platform-wide roles.")}
        )
    prefixes = scope_paths(actor, Role.PROVINCIAL_ADMIN)
    if role == Role.PROVINCIAL_ADMIN:
        # Only over a part of one's own scope: two administrators of the same province could
        # otherwise take each other's role away.
        if not any(agency.path.startswith(p) and agency.path != p for p in prefixes):
            raise ValidationError(
                {
                    "agency": _(
                        "A provincial administrator role is granted or revoked only by a "
                        "provincial administrator of a wider scope."
                    )
                }
            )
    elif not path_in_scope(agency.path, prefixes):
        raise ValidationError(
            {"agency": _("%(agency)s is outside your administration scope.") % {"agency": agency}}
        )


@transaction.atomic
def role_grant(
    *,
    user,
    role: str,
    agency,
    reason: str,
    valid_until: datetime.date | None = None,
    granted_by=None,
) -> RoleAssignment:
    """A grant made in the product (page or command): the scope rules, a reason, no duplicate."""
    reason = (reason or "").strip()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s.") % {"role": role}})
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this grant.")})
    if valid_until is not None and valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("The end date is already past.")})
    if role == Role.ADMIN and agency is not None:
        raise ValidationError(
            {"agency": _("The platform administrator role is platform-wide: choose no agency.")}
        )
    _check_authority(actor=granted_by, user=user, role=role, agency=agency)
    held = RoleAssignment.objects.filter(user=user, role=role, agency=agency).first()
    if held is not None and held.is_active:
        raise ValidationError(
            {"role": _("%(user)s already holds this role over this scope.") % {"user": user}}
        )
    return role_assign(
        user=user,
        role=role,
        agency=agency,
        granted_by=granted_by,
        valid_until=valid_until,
        reason=reason,
    )


@transaction.atomic
def role_withdraw(*, assignment: RoleAssignment, reason: str, revoked_by=None) -> None:
    """A revocation made in the product: the same scope rules as granting, and a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this revocation.")})
    _check_authority(
        actor=revoked_by, user=assignment.user, role=assignment.role, agency=assignment.agency
    )
    role_revoke(
        user=assignment.user,
        role=assignment.role,
        agency=assignment.agency,
        revoked_by=revoked_by,
        reason=reason,
    )


def roles_sync_ended() -> int:
    """Take Wagtail's editor groups from users whose editor or admin grant has ended."""
    from lms.users.models import User

    ended = User.objects.filter(
        groups__name__in=EDITOR_GROUPS,
        pk__in=RoleAssignment.objects.filter(
            role__in=[Role.EDITOR, Role.ADMIN], valid_until__lt=timezone.localdate()
        ).values("user_id"),
    ).exclude(
        pk__in=RoleAssignment.objects.filter(
            RoleAssignment.active_q(), role__in=[Role.EDITOR, Role.ADMIN]
        ).values("user_id")
    )
    users = list(ended.distinct())
    for user in users:
        _sync_admin_access(user)
    return len(users)


def _sync_admin_access(user) -> None:
    """Editors and platform admins get Wagtail's editor groups; others lose them."""
    wants = RoleAssignment.objects.filter(
        RoleAssignment.active_q(), user=user, role__in=[Role.EDITOR, Role.ADMIN]
    ).exists()
    groups = list(Group.objects.filter(name__in=EDITOR_GROUPS))
    if wants:
        user.groups.add(*groups)
    else:
        user.groups.remove(*groups)
