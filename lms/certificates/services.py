"""Issuing, revoking and reissuing certificates; their PDFs, reminders and expiry.

Invariants (tests/certificates/test_services.py unless said):

- One certificate per ``source_key`` (unique): what produced it (an enrolment, a registration, a
  renewal sitting, a reissue). A task run twice or two completions racing give one certificate
  (test_race_postgres.py). The row and its PDF are written in one transaction, the PDF file
  first: a worker killed mid-way leaves either both or neither (an orphan file at most, never a
  certificate without its PDF), and running the batch again finishes it (test_batch.py).
- A certificate is never edited: revocation sets status, date, reason and who, once; a
  correction is a revocation plus a new certificate that ``replaces`` it. Both are in the
  simple_history trail.
- ``certificate_issued`` / ``certificate_revoked`` / ``certificate_expired`` are sent after the
  change commits (``transaction.on_commit``); expiry once per certificate (CertificateNotice).
"""

from __future__ import annotations

import datetime
import logging
import random
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import pdf
from .codes import new_code
from .models import (
    Certificate,
    CertificateNotice,
    CertificateRule,
    CertificateSettings,
    CertificateStatus,
    IssueBatch,
)
from .signals import certificate_expired, certificate_issued, certificate_revoked

logger = logging.getLogger(__name__)

STATUS_LIST_SIZE = 131072  # bits in a Bitstring Status List (its minimum size, for privacy)
REMINDER_DAYS = (90, 30)
VERIFY_CACHE = "certificates:verify:{code}"


class CertificateError(ValidationError):
    pass


def verify_url(code: str) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    return base + reverse("certificates:verify", args=[code])


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus whole months; the 31st becomes the month's last day when it has fewer."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _percent(value: Decimal | None) -> str:
    return f"{value:.1f}".replace(".", ",").replace(",0", "") + " %" if value is not None else ""


def certificate_text(certificate: Certificate, site: CertificateSettings | None = None):
    """What the PDF prints, formatted (dates dd/mm/yyyy, decimal comma)."""
    site = site or CertificateSettings.load()
    evidence = []
    if certificate.score is not None:
        evidence.append(f"Điểm bài kiểm tra cuối khóa: {_percent(certificate.score)}")
    if certificate.attendance_percent is not None:
        evidence.append(f"Tỷ lệ tham dự: {_percent(certificate.attendance_percent)}")
    session = certificate.session
    return pdf.CertificateText(
        issuer_name=site.issuer_name,
        holder_name=certificate.holder_name,
        agency_name=certificate.agency_name,
        course_title=certificate.course_title,
        session_title=f"Lớp tập huấn: {session.title}" if session is not None else "",
        issued_on=f"{certificate.issued_on:%d/%m/%Y}",
        valid_until=(
            f"{certificate.valid_until:%d/%m/%Y}" if certificate.valid_until else "không thời hạn"
        ),
        evidence=" · ".join(evidence),
        code=certificate.code,
        verify_url=verify_url(certificate.code),
        signer_name=site.signer_name,
        signer_title=site.signer_title,
    )


def _store_pdf(certificate: Certificate, site: CertificateSettings | None = None) -> None:
    """Draw the PDF and write its file (the caller saves the row)."""
    content = pdf.render(certificate_text(certificate, site))
    if certificate.pdf:
        certificate.pdf.storage.delete(certificate.pdf.name)
    certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(content), save=False)
    certificate.pdf_template = pdf.template_digest()


def rule_for(course) -> CertificateRule:
    return CertificateRule.objects.filter(course=course).first() or CertificateRule(course=course)


def _holder_agency(official, day: datetime.date, agency=None):
    if agency is None:
        from lms.agencies.selectors import current_assignment

        post = current_assignment(official, on=day)
        agency = post.agency if post is not None else None
    return agency


def certificate_issue(
    *,
    source_key: str,
    official,
    course,
    agency=None,
    session=None,
    enrolment=None,
    registration=None,
    score: Decimal | None = None,
    attendance_percent: Decimal | None = None,
    issued_on: datetime.date | None = None,
    replaces: Certificate | None = None,
    holder_name: str | None = None,
    agency_name: str | None = None,
    site: CertificateSettings | None = None,
) -> tuple[Certificate, bool]:
    """Issue one certificate with its PDF, once per ``source_key``; returns (it, created)."""
    existing = Certificate.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    issued_on = issued_on or timezone.localdate()
    agency = _holder_agency(official, issued_on, agency)
    months = course.certificate_validity_months
    certificate = Certificate(
        source_key=source_key,
        official=official,
        holder_name=(holder_name or official.full_name).strip(),
        agency=agency,
        agency_name=agency_name if agency_name is not None else (agency.name if agency else ""),
        course=course,
        course_title=course.title,
        session=session,
        enrolment=enrolment,
        registration=registration,
        issued_on=issued_on,
        valid_until=add_months(issued_on, months) if months else None,
        score=score,
        attendance_percent=attendance_percent,
        replaces=replaces,
    )
    for _attempt in range(5):
        certificate.code = new_code()
        certificate.status_index = random.SystemRandom().randrange(STATUS_LIST_SIZE)
        certificate.pdf = None
        _store_pdf(certificate, site)
        try:
            with transaction.atomic():
                certificate.full_clean(
                    exclude=["pdf", "score", "attendance_percent"], validate_unique=False
                )
                certificate.save()
                _notify_issued(certificate)
        except IntegrityError:
            certificate.pdf.storage.delete(certificate.pdf.name)
            certificate.pk = None
            existing = Certificate.objects.filter(source_key=source_key).first()
            if existing is not None:  # a racing run issued it first
                return existing, False
            continue  # the code or status index was taken: draw again
        transaction.on_commit(
            lambda c=certificate: certificate_issued.send(sender=Certificate, certificate=c)
        )
        return certificate, True
    raise CertificateError(_("Could not draw a free certificate code."))


def _notify_issued(certificate: Certificate) -> None:
    from .notifications import ISSUED, certificates_notify

    certificates_notify(kind=ISSUED, certificates=[certificate])


def issue_for_enrolment(*, enrolment_id: int) -> Certificate | None:
    """The certificate of a completed self-paced enrolment (score: the final quiz's result)."""
    from lms.courses.models import Enrolment
    from lms.quizzes.selectors import result_sitting

    enrolment = (
        Enrolment.objects.select_related("course", "official", "agency")
        .filter(pk=enrolment_id, completed_at__isnull=False)
        .first()
    )
    if enrolment is None or not rule_for(enrolment.course).self_paced:
        return None
    course = enrolment.course
    score = None
    if course.final_quiz_id:
        sitting = result_sitting(official=enrolment.official, quiz=course.final_quiz)
        score = sitting.percent if sitting is not None else None
    certificate, _created = certificate_issue(
        source_key=f"enrolment:{enrolment.pk}",
        official=enrolment.official,
        course=course,
        enrolment=enrolment,
        score=score,
        issued_on=timezone.localdate(enrolment.completed_at),
    )
    return certificate


def renewal_due(certificate: Certificate, *, today: datetime.date | None = None) -> bool:
    """Is the certificate expired, or within the 90 days before expiry when renewal opens?"""
    today = today or timezone.localdate()
    if certificate.status != CertificateStatus.VALID or certificate.valid_until is None:
        return False
    return certificate.valid_until <= today + datetime.timedelta(days=REMINDER_DAYS[0])


def renew_for_sitting(*, sitting_id: int) -> Certificate | None:
    """Passing a course's final quiz again renews a certificate that expired or soon will."""
    from lms.courses.models import Enrolment
    from lms.quizzes.models import Sitting

    sitting = Sitting.objects.select_related("quiz", "official").filter(pk=sitting_id).first()
    if sitting is None or not sitting.passed:
        return None
    enrolments = Enrolment.objects.filter(
        official=sitting.official, course__final_quiz=sitting.quiz, completed_at__isnull=False
    ).select_related("course")
    issued = None
    for enrolment in enrolments:
        if not rule_for(enrolment.course).self_paced:
            continue
        latest = (
            Certificate.objects.filter(official=sitting.official, course=enrolment.course)
            .exclude(status=CertificateStatus.REVOKED)
            .order_by("-issued_on", "-pk")
            .first()
        )
        if latest is None or not renewal_due(latest):
            continue
        issued, _created = certificate_issue(
            source_key=f"renewal:{sitting.pk}:{enrolment.course_id}",
            official=sitting.official,
            course=enrolment.course,
            enrolment=enrolment,
            score=sitting.percent,
        )
    return issued


def issue_for_registration(*, registration, site=None) -> tuple[Certificate | None, bool]:
    """The certificate of a registration completed when its session closed."""
    session = registration.session
    if not registration.completed or session.course_id is None:
        return None, False
    if not rule_for(session.course).issues_for_session(session):
        return None, False
    score = None
    if session.post_test_id:
        from lms.quizzes.selectors import result_sitting

        sitting = result_sitting(official=registration.official, quiz=session.post_test)
        score = sitting.percent if sitting is not None else None
    closed = session.closed_at or timezone.now()
    return certificate_issue(
        source_key=f"registration:{registration.pk}",
        official=registration.official,
        course=session.course,
        agency=registration.agency,
        session=session,
        registration=registration,
        score=score,
        attendance_percent=registration.attendance_percent,
        issued_on=timezone.localdate(closed),
        site=site,
    )


def batch_for_session(*, session, by=None) -> IssueBatch | None:
    """The queued batch of a session that has just closed (one per closing); queues its task."""
    if session.course_id is None or not rule_for(session.course).issues_for_session(session):
        return None
    batch = IssueBatch.objects.filter(session=session, status=IssueBatch.Status.QUEUED).first()
    if batch is not None:
        return batch
    batch = IssueBatch.objects.create(session=session, requested_by=by)

    def queue(pk=batch.pk):
        from .tasks import run_batch

        run_batch.delay(pk)

    transaction.on_commit(queue)
    return batch


def batch_registrations(session):
    from lms.training.models import Registration

    return Registration.objects.filter(session=session, completed=True).order_by("pk")


def batch_run(*, batch_id: int) -> IssueBatch:
    """Issue the certificates of every completed registration of the batch's session.

    Each certificate with its PDF commits on its own; progress is saved as it goes, so the
    trainer sees it and a run that stopped (a killed worker) is finished by the next.
    """
    batch = IssueBatch.objects.select_related("session__course").get(pk=batch_id)
    if batch.status == IssueBatch.Status.DONE:
        return batch
    registrations = batch_registrations(batch.session)
    done_keys = set(
        Certificate.objects.filter(session=batch.session).values_list("source_key", flat=True)
    )
    batch.status = IssueBatch.Status.RUNNING
    batch.total = registrations.count()
    batch.issued = len(done_keys)
    batch.save(update_fields=["status", "total", "issued"])
    site = CertificateSettings.load()
    todo = registrations.select_related(
        "official", "agency", "session__course", "session__post_test"
    )
    for registration in todo.iterator(chunk_size=200):
        if f"registration:{registration.pk}" in done_keys:
            continue
        _certificate, created = issue_for_registration(registration=registration, site=site)
        if created:
            batch.issued += 1
            IssueBatch.objects.filter(pk=batch.pk).update(issued=batch.issued)
    batch.issued = Certificate.objects.filter(
        source_key__in=[f"registration:{pk}" for pk in registrations.values_list("pk", flat=True)]
    ).count()
    batch.status = IssueBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "issued", "finished_at"])
    return batch


def _forget(certificate: Certificate) -> None:
    cache.delete(VERIFY_CACHE.format(code=certificate.code))


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError({"reason": _("Give the reason for the revocation.")})
    if len(reason) > 1000:
        raise CertificateError({"reason": _("The reason is too long (1,000 characters at most).")})
    return reason


def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Revoke once, with a reason (kept in the history); a revoked certificate stays revoked."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status == CertificateStatus.REVOKED:
            raise CertificateError(_("This certificate is already revoked."))
        locked.status = CertificateStatus.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_reason = reason
        locked.revoked_by = by
        locked._history_user = by
        locked._change_reason = reason
        locked.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
        transaction.on_commit(lambda: _forget(locked))
        transaction.on_commit(
            lambda: certificate_revoked.send(sender=Certificate, certificate=locked)
        )
    return locked


def certificate_reissue(
    *, certificate: Certificate, by, reason: str, holder_name: str, agency_name: str
) -> Certificate:
    """A correction: revoke the certificate and issue a new one that replaces it."""
    holder_name = " ".join((holder_name or "").split())
    if not holder_name:
        raise CertificateError({"holder_name": _("Give the holder's name.")})
    agency_name = " ".join((agency_name or "").split())
    with transaction.atomic():
        old = certificate_revoke(certificate=certificate, by=by, reason=reason)
        new, _created = certificate_issue(
            source_key=f"reissue:{old.pk}",
            official=old.official,
            course=old.course,
            agency=old.agency,
            session=old.session,
            enrolment=old.enrolment,
            registration=old.registration,
            score=old.score,
            attendance_percent=old.attendance_percent,
            issued_on=timezone.localdate(),
            replaces=old,
            holder_name=holder_name,
            agency_name=agency_name,
        )
        if new.valid_until is not None and old.valid_until is not None:
            # A correction does not extend the validity the evidence earned.
            Certificate.objects.filter(pk=new.pk).update(valid_until=old.valid_until)
            new.valid_until = old.valid_until
    return new


def certificate_pdf_ensure(*, certificate: Certificate) -> Certificate:
    """The stored PDF, drawn again only if missing or made from another template version."""
    digest = pdf.template_digest()
    if certificate.pdf and certificate.pdf_template == digest:
        try:
            if certificate.pdf.storage.exists(certificate.pdf.name):
                return certificate
        except (OSError, ValueError):
            pass
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.pdf and certificate.pdf_template == digest:
            if certificate.pdf.storage.exists(certificate.pdf.name):
                return certificate
        _store_pdf(certificate)
        # pdf and pdf_template are outside the history: the certificate itself is unchanged.
        Certificate.objects.filter(pk=certificate.pk).update(
            pdf=certificate.pdf.name, pdf_template=certificate.pdf_template
        )
    return certificate


def reminders_send(*, today: datetime.date | None = None) -> int:
    """Email holders 90 and 30 days before expiry, once each; returns how many were queued."""
    from .notifications import REMINDER, certificates_notify

    today = today or timezone.localdate()
    queued = 0
    for days, kind in zip(REMINDER_DAYS, CertificateNotice.Kind.values[:2], strict=True):
        due = (
            Certificate.objects.filter(
                status=CertificateStatus.VALID,
                valid_until__gte=today,
                valid_until__lte=today + datetime.timedelta(days=days),
            )
            .exclude(notices__kind=kind)
            .exclude(replaced_by__isnull=False)
        )
        if days == REMINDER_DAYS[0]:  # the 90-day reminder is not sent when 30 are left
            due = due.filter(valid_until__gt=today + datetime.timedelta(days=REMINDER_DAYS[1]))
        for certificate in due.select_related("official__user").order_by("pk").iterator():
            with transaction.atomic():
                _notice, created = CertificateNotice.objects.get_or_create(
                    certificate=certificate, kind=kind
                )
                if created:
                    queued += certificates_notify(
                        kind=REMINDER, certificates=[certificate], days=days
                    )
    return queued


def expiry_process(*, today: datetime.date | None = None) -> int:
    """Send ``certificate_expired`` once for each certificate whose validity has passed."""
    today = today or timezone.localdate()
    expired = Certificate.objects.filter(
        status=CertificateStatus.VALID, valid_until__lt=today
    ).exclude(notices__kind=CertificateNotice.Kind.EXPIRED)
    count = 0
    for certificate in expired.order_by("pk").iterator():
        with transaction.atomic():
            _notice, created = CertificateNotice.objects.get_or_create(
                certificate=certificate, kind=CertificateNotice.Kind.EXPIRED
            )
            if created:
                count += 1
                transaction.on_commit(lambda c=certificate: _forget(c))
                transaction.on_commit(
                    lambda c=certificate: certificate_expired.send(
                        sender=Certificate, certificate=c
                    )
                )
    return count
