"""Permission rules for attendance, check-in, sheets and walk-ins (loaded from rules.py)."""

from __future__ import annotations

from lms.core.access import rule

from .rules import _official, manage_session


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
