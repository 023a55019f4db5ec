"""Permission rules for attendance, check-in, sheets and walk-ins (loaded from rules.py)."""

from __future__ import annotations

from lms.core.access import agency_in_scope, rule
from lms.core.models import Role

from .rules import _official, manage_session, view_report


@rule("training.take_attendance")
def take_attendance(user, session) -> bool:
    """Trainers in scope of the host agency, the session's own trainers, and platform admins."""
    if session is None:
        return False
    if manage_session(user, session):
        return True
    return session.trainers.filter(pk=user.pk).exists()


@rule("training.checkin_self")
def checkin_self(user, session) -> bool:
    """An official checks themselves in to a session they are on the roster of."""
    from .attendance import ROSTER_STATUSES

    official = _official(user)
    if official is None or session is None:
        return False
    return session.registrations.filter(official=official, status__in=ROSTER_STATUSES).exists()


@rule("training.view_attendance_evidence")
def view_attendance_evidence(user, session) -> bool:
    """Scanned sheets: attendance takers, report readers and the host's ISO secretaries."""
    # ISO secretaries keep the agency's QMS records (TCVN ISO 9001:2015, 7.5).
    if session is None:
        return False
    return (
        take_attendance(user, session)
        or view_report(user, session)
        or agency_in_scope(user, session.host_agency, Role.ISO_SECRETARY)
    )
