"""Who may see competency records: the official, and over an agency's subtree its ISO secretary,
the steering committee and its head (an official holding a current leader post there)."""

from __future__ import annotations

from lms.core.access import agency_in_scope, has_role, is_platform_admin, rule
from lms.core.models import Role

MATRIX_ROLES = (Role.ISO_SECRETARY, Role.STEERING)


def led_paths(user) -> tuple[str, ...]:
    """Paths of the agencies the user heads today (one query, kept on the user object)."""
    cached = getattr(user, "_lms_led_paths", None)
    if cached is None:
        from .selectors import led_agencies

        cached = tuple(agency.path for agency in led_agencies(user))
        user._lms_led_paths = cached
    return cached


def _heads(user, agency) -> bool:
    return agency is not None and any(agency.path.startswith(p) for p in led_paths(user))


@rule("competencies.view_own")
def view_own(user, obj) -> bool:
    """Every logged-in user has a profile page (empty when no official record is linked)."""
    return True


@rule("competencies.open_matrix")
def open_matrix(user, obj) -> bool:
    """The matrix entry page: secretaries, steering members, heads of agencies and admins."""
    return has_role(user, *MATRIX_ROLES) or bool(led_paths(user))


@rule("competencies.view_matrix")
def view_matrix(user, obj) -> bool:
    """One agency's matrix: only inside the viewer's scope (or the subtree they head)."""
    return agency_in_scope(user, obj, *MATRIX_ROLES) or _heads(user, obj)


@rule("competencies.view_profile")
def view_profile(user, obj) -> bool:
    """An official's profile: themselves, or whoever may see the matrix of one of their posts."""
    if obj.user_id is not None and obj.user_id == user.pk:
        return True
    if is_platform_admin(user):
        return True
    from .selectors import current_posts

    return any(view_matrix(user, post.agency) for post in current_posts([obj.pk]))
