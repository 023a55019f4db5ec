"""Completions elsewhere become certificates here (connected in apps.ready)."""

from __future__ import annotations

from django.db import transaction


def on_course_completed(sender, enrolment=None, **kwargs) -> None:
    """A self-paced course completed: issue its certificate once the completion commits."""
    if enrolment is None:
        return
    from .tasks import issue_for_enrolment

    transaction.on_commit(lambda pk=enrolment.pk: issue_for_enrolment.delay(pk))


def on_session_completed(sender, registration=None, **kwargs) -> None:
    """A closed session's completed registration: one background batch for the whole roster."""
    if registration is None:
        return
    from .models import IssueBatch
    from .services import batch_for_session

    # Sent once per completed registration inside the closing transaction: the first creates the
    # session's queued batch, the others find it (one query each, the session is not loaded).
    queued = IssueBatch.objects.filter(
        session_id=registration.session_id, status=IssueBatch.Status.QUEUED
    )
    if not queued.exists():
        session = registration.session
        batch_for_session(session=session, by=session.closed_by)


def on_sitting_finished(sender, sitting=None, **kwargs) -> None:
    """A final quiz passed again may renew an expiring certificate."""
    if sitting is None or not sitting.passed:
        return
    from lms.courses.selectors import is_final_quiz

    if not is_final_quiz(sitting.quiz_id):
        return  # renewals follow a course's final quiz only
    from .tasks import renew_for_sitting

    transaction.on_commit(lambda pk=sitting.pk: renew_for_sitting.delay(pk))
