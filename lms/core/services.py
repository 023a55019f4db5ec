"""Writes for platform-level records: role assignments."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import forget_scopes, is_platform_admin, path_in_scope, scope_paths, scope_q
from .models import Role, RoleAssignment

# Content editors work in Wagtail's admin through its stock groups (page, image and document
# permissions are granted to these groups by Wagtail's own migrations).
EDITOR_GROUPS = ("Editors",)
# An editor held over a page subtree and/or a collection gets a Wagtail group of that scope
# instead, named from it, shared by the editors of the same scope and deleted with its last one.
SCOPED_PREFIX = "lms-editors"
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)


@transaction.atomic
def role_assign(
    *,
    user,
    role: str,
    agency=None,
    granted_by=None,
    valid_until=None,
    reason: str = "",
    page=None,
    collection=None,
) -> RoleAssignment:
    """Give ``user`` the ``role`` over ``agency``'s subtree (None: platform-wide); a grant that
    still counts is kept as it is, one that ended is renewed. No scope rule: see role_grant.
    ``page`` and ``collection`` limit a content editor to that page subtree and collection."""
    assignment = RoleAssignment.objects.filter(user=user, role=role, agency=agency).first()
    if assignment is not None and assignment.is_active:
        return assignment
    if assignment is None:
        assignment = RoleAssignment(user=user, role=role, agency=agency)
    else:
        assignment.granted_at = timezone.now()
    assignment.page = page
    assignment.collection = collection
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
    page=None,
    collection=None,
) -> RoleAssignment:
    """A grant made in the product (page or command): the scope rules, a reason, no duplicate."""
    reason = (reason or "").strip()
    _check_content_scope(
        actor=granted_by, role=role, page=page, collection=collection, agency=agency
    )
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
        page=page,
        collection=collection,
    )


def _check_content_scope(*, actor, role: str, page, collection, agency) -> None:
    """A page subtree or collection only for content editors; below platform administrators,
    a content editor is always held over a page subtree (never every page of the platform)."""
    if role != Role.EDITOR:
        if page is not None or collection is not None:
            raise ValidationError(
                {"page": _("A page subtree or collection is given only to content editors.")}
            )
        return
    if page is not None and page.depth <= 1:
        raise ValidationError({"page": _("Choose a page below the root of the page tree.")})
    if actor is None or is_platform_admin(actor):
        return
    if agency is None:
        raise ValidationError(
            {"agency": _("Only platform administrators grant or revoke platform-wide roles.")}
        )
    if page is None:
        raise ValidationError(
            {
                "page": _(
                    "Only platform administrators make editors of every page: choose the page "
                    "subtree this editor works in."
                )
            }
        )
    # The content areas of the actor's scope: the page subtrees and collections that a platform
    # administrator gave to editors over agencies inside it. Nobody hands out more than those.
    areas = RoleAssignment.objects.filter(
        RoleAssignment.active_q(), scope_q(actor, Role.PROVINCIAL_ADMIN), role=Role.EDITOR
    ).select_related("page", "collection")
    pages = [a.page.path for a in areas if a.page_id]
    if not any(page.path.startswith(path) for path in pages):
        raise ValidationError(
            {
                "page": _(
                    "%(page)s is outside the content areas of your scope (the page subtrees "
                    "given to its editors by a platform administrator)."
                )
                % {"page": page.title}
            }
        )
    collections = [a.collection.path for a in areas if a.collection_id]
    if collection is not None and not any(collection.path.startswith(p) for p in collections):
        raise ValidationError(
            {
                "collection": _(
                    "%(collection)s is outside the collections given to the editors of your "
                    "scope by a platform administrator."
                )
                % {"collection": collection.name}
            }
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

    ended = (
        User.objects.filter(
            Q(groups__name__in=EDITOR_GROUPS) | Q(groups__name__startswith=SCOPED_PREFIX),
            pk__in=RoleAssignment.objects.filter(
                role__in=[Role.EDITOR, Role.ADMIN], valid_until__lt=timezone.localdate()
            ).values("user_id"),
        )
        .distinct()
        .order_by("pk")
    )
    changed = 0
    for user in ended:
        before = set(user.groups.values_list("pk", flat=True))
        _sync_admin_access(user)
        changed += before != set(user.groups.values_list("pk", flat=True))
    return changed


def _scope_group_name(page_id, collection_id) -> str:
    return f"{SCOPED_PREFIX} page:{page_id or '-'} collection:{collection_id or '-'}"


def _scope_group(page, collection) -> Group:
    """The Wagtail group of editors of ``page``'s subtree and ``collection`` (made once)."""
    from django.contrib.auth.models import Permission
    from wagtail.models import GroupCollectionPermission, GroupPagePermission

    group, created = Group.objects.get_or_create(
        name=_scope_group_name(getattr(page, "pk", None), getattr(collection, "pk", None))
    )
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
        if page is not None:
            for codename in PAGE_PERMISSIONS:
                GroupPagePermission.objects.create(
                    group=group,
                    page=page,
                    permission=Permission.objects.get(
                        content_type__app_label="wagtailcore", codename=codename
                    ),
                )
        if collection is not None:
            for app_label, codename in COLLECTION_PERMISSIONS:
                GroupCollectionPermission.objects.create(
                    group=group,
                    collection=collection,
                    permission=Permission.objects.get(
                        content_type__app_label=app_label, codename=codename
                    ),
                )
    return group


def _sync_admin_access(user) -> None:
    """Platform admins and editors of every page get Wagtail's editor groups; editors held
    over a page subtree or collection get that scope's group; others lose them. Scope groups
    that nobody is left in are deleted."""
    grants = list(
        RoleAssignment.objects.filter(
            RoleAssignment.active_q(), user=user, role__in=[Role.EDITOR, Role.ADMIN]
        ).select_related("page", "collection")
    )
    wants = any(g.role == Role.ADMIN or not g.is_content_scoped for g in grants)
    groups = list(Group.objects.filter(name__in=EDITOR_GROUPS))
    if wants:
        user.groups.add(*groups)
    else:
        user.groups.remove(*groups)
    scoped = [_scope_group(g.page, g.collection) for g in grants if g.is_content_scoped]
    held = list(user.groups.filter(name__startswith=SCOPED_PREFIX))
    user.groups.add(*scoped)
    gone = [group for group in held if group not in scoped]
    user.groups.remove(*gone)
    Group.objects.filter(pk__in=[g.pk for g in gone], user__isnull=True).delete()
