"""Certificates: issued once, never edited; a correction is a revocation plus a new certificate.

A certificate keeps what it attests as it was on the day of issue (the holder's name, agency and
course title), so a later rename, move or merger does not rewrite it. Whether it is *expired* is
not stored: it follows from ``valid_until`` and today's date (``Certificate.state``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


def certificate_storage():
    """Under PRIVATE_MEDIA_ROOT: PDFs are served only through the holder's permission check."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


def certificate_pdf_path(instance: Certificate, filename: str) -> str:
    return f"certificates/{instance.issued_on:%Y/%m}/{instance.code}.pdf"


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class CertificateState(models.TextChoices):
    """What a reader is told: the stored status, with expiry derived from the date."""

    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Certificate(models.Model):
    # Public, unguessable, not sequential (lms.certificates.codes makes it: ≥ 80 random bits).
    code = models.CharField(_("code"), max_length=40, unique=True)
    # What produced it, e.g. "enrolment:12:2026-11-02" or "registration:40": the idempotency key.
    # Two completions racing, or a batch run twice, hit this constraint and give one certificate.
    source_key = models.CharField(_("source"), max_length=120, unique=True)

    official = models.ForeignKey(
        "agencies.Official",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("holder"),
    )
    holder_name = models.CharField(_("holder's name"), max_length=200)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("agency at issue"),
    )
    agency_name = models.CharField(_("agency's name"), max_length=255, blank=True)
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("course"),
    )
    course_title = models.CharField(_("course title"), max_length=255)
    session = models.ForeignKey(
        "training.TrainingSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("training session"),
    )
    enrolment = models.ForeignKey(
        "courses.Enrolment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("enrolment"),
    )
    registration = models.ForeignKey(
        "training.Registration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("registration"),
    )

    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Evidence: the final quiz score (percent) and the share of session days attended (percent).
    score = models.DecimalField(_("final score (%)"), max_digits=5, decimal_places=2, null=True)
    attendance_percent = models.DecimalField(
        _("attendance (%)"), max_digits=5, decimal_places=2, null=True
    )

    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    # Position in the published Bitstring Status List (revocation), given at issue.
    status_index = models.PositiveIntegerField(_("status list index"), unique=True, null=True)

    pdf = models.FileField(
        _("PDF"),
        storage=certificate_storage,
        upload_to=certificate_pdf_path,
        max_length=255,
        blank=True,
    )
    # Digest of the PDF template the stored file was rendered with; another → re-render.
    pdf_template = models.CharField(_("PDF template version"), max_length=64, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords(excluded_fields=["pdf", "pdf_template"])

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        indexes = [
            models.Index(fields=["official", "status"]),
            models.Index(fields=["course", "status", "valid_until"]),
            models.Index(fields=["agency", "status", "valid_until"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("issued_on")),
                name="certificate_validity_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status="valid", revoked_at__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False),
                name="certificate_revocation_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.holder_name} – {self.course_title}"

    def state_on(self, day: datetime.date) -> str:
        if self.status == CertificateStatus.REVOKED:
            return CertificateState.REVOKED
        if self.valid_until is not None and self.valid_until < day:
            return CertificateState.EXPIRED
        return CertificateState.VALID

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())


class IssueBatch(models.Model):
    """Issuing a closed session's certificates in the background; the trainer watches progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    session = models.ForeignKey(
        "training.TrainingSession",
        on_delete=models.PROTECT,
        related_name="certificate_batches",
        verbose_name=_("training session"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("to issue"), default=0)
    issued = models.PositiveIntegerField(_("issued"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.session} ({self.issued}/{self.total})"


class SigningKey(models.Model):
    """A key that signs Open Badges credentials. Rotating adds a key; old ones stay published."""

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    algorithm = models.CharField(_("algorithm"), max_length=16, default="RS256")
    # Private key in PEM (PKCS#8). Kept in the database so backups carry it; see README.
    private_pem = models.TextField(_("private key"))
    public_jwk = models.JSONField(_("public key (JWK)"))
    active = models.BooleanField(_("signs new credentials"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_signing_key"
            ),
        ]

    def __str__(self) -> str:
        return self.kid


class CertificateRule(models.Model):
    """Whether a course issues certificates, per way of completing it. No row: both on."""

    course = models.OneToOneField(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="certificate_rule",
        verbose_name=_("course"),
    )
    self_paced = models.BooleanField(
        _("issue on completing the course online"),
        default=True,
        help_text=_("All lessons done and the final quiz passed, as the completion rule says."),
    )
    sessions = models.BooleanField(
        _("issue on completing a training session"),
        default=True,
        help_text=_("Registrations completed when a session of this course is closed."),
    )
    # A list of training.SessionKind values; empty = every kind.
    session_kinds = models.JSONField(
        _("kinds of session that issue"),
        default=list,
        blank=True,
        help_text=_("Choose none for every kind (a workshop, for example, may issue none)."),
    )

    class Meta:
        verbose_name = _("certificate rule")
        verbose_name_plural = _("certificate rules")

    def __str__(self) -> str:
        return str(self.course)

    def issues_for_session(self, session) -> bool:
        """Whether a completed registration of ``session`` gets a certificate."""
        return self.sessions and (not self.session_kinds or session.kind in self.session_kinds)


class CertificateNotice(models.Model):
    """A notice about a certificate that is due once (reminders, expiry): the row is the marker."""

    class Kind(models.TextChoices):
        REMIND_90 = "remind_90", _("Reminder 90 days before expiry")
        REMIND_30 = "remind_30", _("Reminder 30 days before expiry")
        EXPIRED = "expired", _("Expired")

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="notices", verbose_name=_("certificate")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("certificate notice")
        verbose_name_plural = _("certificate notices")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "kind"], name="certificate_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.kind}"


@register_setting(icon="doc-full")
class CertificateSettings(BaseGenericSetting):
    """What every certificate prints about who issues it; administrators edit it in Settings."""

    issuer_name = models.CharField(
        _("issuing body"), max_length=255, default="Ban Chỉ đạo ISO 9001 tỉnh"
    )
    # No default person: until an administrator names the signer, certificates leave the name
    # line for a hand signature (the demo names one).
    signer_name = models.CharField(_("signer's name"), max_length=200, blank=True)
    signer_title = models.CharField(
        _("signer's title"), max_length=200, default="Trưởng Ban Chỉ đạo ISO"
    )

    class Meta:
        verbose_name = _("certificate settings")
