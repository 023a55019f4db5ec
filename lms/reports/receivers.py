"""Keep the summary tables current: each record that changes a figure marks its agencies.

The receivers only note ids (no query); the refresh runs after the commit (services).
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save


def _mark(**ids) -> None:
    from .services import summaries_mark_stale

    summaries_mark_stale(**ids)


def on_certificate(sender, certificate=None, instance=None, **kwargs) -> None:
    _mark(officials=[(certificate or instance).official_id])


def on_enrolment(sender, instance=None, enrolment=None, **kwargs) -> None:
    enrolment = enrolment or instance
    if enrolment.completed_at is None and kwargs.get("signal") is not post_delete:
        return
    _mark(officials=[enrolment.official_id], agencies=[enrolment.agency_id])


def on_attendance(sender, instance, **kwargs) -> None:
    _mark(registrations=[instance.registration_id])


def note_attendance(instance):
    """``on_attendance`` for a new row inserted in one statement (``lms.core.commit``)."""
    from .services import summaries_note

    return summaries_note(registrations=[instance.registration_id])


def on_assignment(sender, instance, **kwargs) -> None:
    _mark(officials=[instance.official_id], agencies=[instance.agency_id])


def on_framework(sender, **kwargs) -> None:
    """A requirement or a competency's courses changed: every agency may be affected (one full
    refresh per transaction, however many rows changed)."""
    _mark(everything=True)


def connect() -> None:
    from lms.agencies.models import Assignment
    from lms.certificates.models import Certificate
    from lms.certificates.signals import (
        certificate_expired,
        certificate_issued,
        certificate_revoked,
    )
    from lms.competencies.models import Competency, Requirement
    from lms.courses.models import Enrolment
    from lms.courses.signals import course_completed
    from lms.training.models import Attendance

    for name, signal in (
        ("issued", certificate_issued),
        ("revoked", certificate_revoked),
        ("expired", certificate_expired),
    ):
        signal.connect(on_certificate, dispatch_uid=f"reports_certificate_{name}")
    # Direct writes too (corrections, data loads): a certificate row saved is a figure changed.
    post_save.connect(on_certificate, sender=Certificate, dispatch_uid="reports_certificate_saved")
    course_completed.connect(on_enrolment, dispatch_uid="reports_course_completed")
    for suffix, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(on_enrolment, sender=Enrolment, dispatch_uid=f"reports_enrolment_{suffix}")
        signal.connect(on_attendance, sender=Attendance, dispatch_uid=f"reports_att_{suffix}")
        signal.connect(on_assignment, sender=Assignment, dispatch_uid=f"reports_post_{suffix}")
        signal.connect(on_framework, sender=Requirement, dispatch_uid=f"reports_req_{suffix}")
    from lms.core import commit

    commit.register_saved(Attendance, note_attendance)
    m2m_changed.connect(
        on_framework, sender=Competency.courses.through, dispatch_uid="reports_grants"
    )
