"""The one place that decides "may this user do this to this object".

Roles are held over an agency subtree (RoleAssignment). Agencies are treebeard MP nodes, so
"inside the scope" is a prefix match on the materialised path, in Python or in SQL.
Apps declare named permission rules in their ``rules.py`` with ``@rule("app.action")``;
views ask ``can(user, "app.action", obj)`` or use ``permission_required``/``PermissionMixin``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .models import Role

EVERYWHERE = ""  # the path prefix that every agency path starts with

_RULES: dict[str, Callable[[Any, Any], bool]] = {}


def rule(name: str) -> Callable:
    """Register a permission rule ``fn(user, obj) -> bool`` under ``name``."""

    def decorator(fn: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
        if name in _RULES and _RULES[name] is not fn:
            raise ValueError(f"Permission rule {name!r} is registered twice")
        _RULES[name] = fn
        return fn

    return decorator


def registered_rules() -> list[str]:
    return sorted(_RULES)


def is_platform_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or EVERYWHERE in _scopes(user).get(Role.ADMIN, ())


def _scopes(user) -> dict[str, tuple[str, ...]]:
    """Role -> agency path prefixes of the grants that count today, loaded once per user object
    (one query). The last day any of them counts is kept too (``roles_change_after``)."""
    cached = getattr(user, "_lms_role_scopes", None)
    if cached is None:
        found: dict[str, list[str]] = {}
        ends = []
        today = timezone.localdate()
        with connection.cursor() as cursor:
            cursor.execute(_scopes_sql(), [user.pk, today])
            for role, path, valid_until in cursor.fetchall():
                found.setdefault(role, []).append(path or EVERYWHERE)
                if valid_until is not None:
                    ends.append(valid_until)
        cached = {role: tuple(paths) for role, paths in found.items()}
        user._lms_role_scopes = cached
        user._lms_roles_until = min(ends, default=None)
    return cached


def roles_change_after(user):
    """The last day on which the user's roles are as loaded (a grant ends after it), or None."""
    _scopes(user)
    return getattr(user, "_lms_roles_until", None)


@functools.cache
def _scopes_sql() -> str:
    """The user's roles with their agencies' paths. Every logged-in page asks (the menu depends
    on the roles), so it is plain SQL written once: compiling the same ORM query on each request
    costs several times what the database takes to answer it."""
    from lms.agencies.models import Agency

    from .models import RoleAssignment

    qn = connection.ops.quote_name
    return (
        f"SELECT r.{qn('role')}, a.{qn('path')}, r.{qn('valid_until')} "
        f"FROM {qn(RoleAssignment._meta.db_table)} r "
        f"LEFT JOIN {qn(Agency._meta.db_table)} a ON a.{qn('id')} = r.{qn('agency_id')} "
        f"WHERE r.{qn('user_id')} = %s "
        f"AND (r.{qn('valid_until')} IS NULL OR r.{qn('valid_until')} >= %s)"
    )


def forget_scopes(user) -> None:
    """Drop the cached scopes after roles change."""
    if hasattr(user, "_lms_role_scopes"):
        del user._lms_role_scopes
    if hasattr(user, "_lms_menu_roles"):
        del user._lms_menu_roles
    if hasattr(user, "_lms_roles_until"):
        del user._lms_roles_until


def roles_of(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    roles = set(_scopes(user))
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return roles


def menu_roles(user) -> frozenset[str]:
    """The roles the user holds anywhere, platform admins holding them all: what the menu shows.

    Kept on the user object, which the cached authentication backend stores with it (see
    lms/core/auth.py), so a page that needs no agency scope runs no role query.
    """
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_lms_menu_roles", None)
    if cached is None:
        cached = frozenset(Role.values) if is_platform_admin(user) else frozenset(_scopes(user))
        user._lms_menu_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """True if the user holds any of ``roles`` anywhere (platform admins hold every role).

    Read from ``menu_roles``, kept with the cached user (dropped when a grant changes or ends):
    no role query on a page that asks only this."""
    held = menu_roles(user)
    return any(role in held for role in roles)


def scope_paths(user, *roles: str) -> tuple[str, ...]:
    """Path prefixes of the agencies where the user holds any of ``roles``."""
    if not getattr(user, "is_authenticated", False):
        return ()
    if is_platform_admin(user):
        return (EVERYWHERE,)
    scopes = _scopes(user)
    paths = {p for role in roles for p in scopes.get(role, ())}
    if EVERYWHERE in paths:
        return (EVERYWHERE,)
    # Drop prefixes already covered by a shorter one.
    return tuple(p for p in sorted(paths) if not any(p != q and p.startswith(q) for q in paths))


def path_in_scope(path: str | None, prefixes: Iterable[str]) -> bool:
    if path is None:
        return False
    return any(path.startswith(prefix) for prefix in prefixes)


def agency_in_scope(user, agency, *roles: str) -> bool:
    """May the user act with one of ``roles`` on something belonging to ``agency``?"""
    if agency is None:
        return is_platform_admin(user)
    return path_in_scope(agency.path, scope_paths(user, *roles))


def scope_q(user, *roles: str, field: str = "agency") -> Q:
    """A filter for querysets whose ``field`` is an Agency, limited to the user's scope."""
    prefixes = scope_paths(user, *roles)
    if not prefixes:
        return Q(pk__in=[])
    if EVERYWHERE in prefixes:
        return Q()
    q = Q()
    for prefix in prefixes:
        q |= Q(**{f"{field}__path__startswith": prefix})
    return q


def can(user, perm: str, obj: Any = None) -> bool:
    """Evaluate the registered rule ``perm``; unknown names are an error, never a yes."""
    try:
        check = _RULES[perm]
    except KeyError as exc:
        raise LookupError(f"No permission rule named {perm!r}") from exc
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(check(user, obj))


def require(user, perm: str, obj: Any = None) -> None:
    if not can(user, perm, obj):
        raise PermissionDenied(perm)


def permission_required(perm: str, get_object: Callable | None = None):
    """View decorator: anonymous users go to login; others need ``can(user, perm, obj)``.

    ``get_object(request, **kwargs)`` returns the object checked (or raises Http404); the view
    finds it again as ``request.permission_object`` instead of loading it a second time.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            obj = get_object(request, **kwargs) if get_object else None
            require(request.user, perm, obj)
            request.permission_object = obj
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class PermissionMixin:
    """Class-based view guard: set ``permission``; override ``get_permission_object``."""

    permission: str = ""

    def get_permission_object(self):
        return None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        require(request.user, self.permission, self.get_permission_object())
        return super().dispatch(request, *args, **kwargs)
