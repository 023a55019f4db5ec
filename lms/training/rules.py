"""Who may do what with training sessions (see lms.core.access)."""

from __future__ import annotations

from lms.agencies.selectors import official_for_user
from lms.core.access import (
    agency_in_scope,
    has_role,
    is_platform_admin,
    path_in_scope,
    rule,
    scope_paths,
)
from lms.core.models import Role

from .models import Registration, SessionStatus


def _official(user):
    cached = getattr(user, "_training_official", False)
    if cached is False:
        cached = official_for_user(user)
        user._training_official = cached
    return cached


@rule("training.list_sessions")
def list_sessions(user, obj) -> bool:
    return True


@rule("training.create_session")
def create_session(user, obj) -> bool:
    return has_role(user, Role.TRAINER)


@rule("training.manage_session")
def manage_session(user, session) -> bool:
    """Trainers within the scope of the host agency, and platform admins."""
    if session is None:
        return has_role(user, Role.TRAINER)
    if is_platform_admin(user):
        return True
    return agency_in_scope(user, session.host_agency, Role.TRAINER)


def _target_paths(session) -> list[str]:
    return [a.path for a in session.target_agencies.all()] + [session.host_agency.path]


def _overlaps_scope(user, session, *roles) -> bool:
    """Does the session's host or any target agency touch the user's scope (either way round)?"""
    prefixes = scope_paths(user, *roles)
    if not prefixes:
        return False
    for path in _target_paths(session):
        if path_in_scope(path, prefixes) or any(p.startswith(path) for p in prefixes):
            return True
    return False


def _registration_of(user, session):
    official = _official(user)
    if official is None:
        return None
    return Registration.objects.filter(session=session, official=official).first()


@rule("training.view_session")
def view_session(user, session) -> bool:
    if manage_session(user, session):
        return True
    if session.status == SessionStatus.DRAFT:
        return False
    if agency_in_scope(user, session.host_agency, Role.STEERING) or _overlaps_scope(
        user, session, Role.ISO_SECRETARY
    ):
        return True
    if _registration_of(user, session) is not None:
        return True
    official = _official(user)
    return (
        official is not None
        and session.status == SessionStatus.OPEN
        and eligible_by_target(official, session)
    )


def eligible_by_target(official, session) -> bool:
    """Is the official's current post in the session's target agencies (and positions)?"""
    from lms.agencies.selectors import current_assignment

    assignment = current_assignment(official)
    if assignment is None:
        return False
    paths = [a.path for a in session.target_agencies.all()] or [session.host_agency.path]
    if not path_in_scope(assignment.agency.path, paths):
        return False
    return not session.target_positions or assignment.position_kind in session.target_positions


@rule("training.register_self")
def register_self(user, session) -> bool:
    """Officials act only for themselves: when invited, or targeted by an open session."""
    official = _official(user)
    if official is None or session is None or session.status == SessionStatus.DRAFT:
        return False
    if _registration_of(user, session) is not None:
        return True
    return session.status == SessionStatus.OPEN and eligible_by_target(official, session)


@rule("training.secretary_register")
def secretary_register(user, session) -> bool:
    """ISO secretaries register their agency's officials for sessions aimed at them."""
    if session is None or session.is_final or session.status == SessionStatus.DRAFT:
        return False
    if is_platform_admin(user):
        return True
    return has_role(user, Role.ISO_SECRETARY) and _overlaps_scope(user, session, Role.ISO_SECRETARY)


@rule("training.view_report")
def view_report(user, session) -> bool:
    if manage_session(user, session):
        return True
    return session is not None and agency_in_scope(user, session.host_agency, Role.STEERING)


from . import rules_attendance  # noqa: F401,E402


# The attendance helper's rules live in their own module; load them with ours.
