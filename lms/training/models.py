"""Training sessions (lớp tập huấn): days, trainers, registrations, attendance and its history.

Attendance, scores and completions are QMS records (TCVN ISO 9001:2015 clauses 7.2, 7.5): every
change of an attendance row is kept in AttendanceChange (with how it was marked), sessions and
registrations keep django-simple-history's history, a closed session is final until re-opened
with a reason, and deleting a session or a day never takes attendance or registrations with it.
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def new_checkin_secret() -> str:
    return secrets.token_hex(32)


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open for registration")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class SessionKind(models.TextChoices):
    TRAINING = "training", _("Training course")
    REFRESHER = "refresher", _("Refresher training")
    WORKSHOP = "workshop", _("Workshop")


class TrainingSession(models.Model):
    """A training session run by trainers on one or more days, hosted by an agency."""

    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("course"),
    )
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(
        _("kind of session"),
        max_length=16,
        choices=SessionKind.choices,
        default=SessionKind.TRAINING,
        help_text=_("Whether it gives a certificate is set in the course's certificate rule."),
    )
    description = models.TextField(_("description"), blank=True)
    host_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="hosted_sessions",
        verbose_name=_("host agency"),
    )
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("trainers"),
    )
    target_agencies = models.ManyToManyField(
        "agencies.Agency",
        blank=True,
        related_name="targeted_by_sessions",
        verbose_name=_("target agencies"),
        help_text=_("Officials of these agencies and of every agency under them are invited."),
    )
    # A list of agencies.PositionKind values; empty = every position.
    target_positions = models.JSONField(_("target positions"), default=list, blank=True)
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SessionStatus.choices,
        default=SessionStatus.DRAFT,
        db_index=True,
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"),
        default=100,
        help_text=_("Share of the days a participant must attend to complete; 100 = every day."),
    )
    pre_test = models.ForeignKey(
        "quizzes.Quiz",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pre_test_of_sessions",
        verbose_name=_("pre-test"),
    )
    post_test = models.ForeignKey(
        "quizzes.Quiz",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="post_test_of_sessions",
        verbose_name=_("post-test"),
        help_text=_("If set, participants must also pass it to complete."),
    )
    late_after_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes)"),
        default=15,
        help_text=_("Check-ins later than this after the start are late."),
    )
    # Secret for HMAC-signed rotating QR check-in tokens.
    checkin_secret = models.CharField(max_length=64, default=new_checkin_secret, editable=False)
    # Incremented when the schedule or venue changes, so change notices are sent once per change.
    revision = models.PositiveIntegerField(default=0, editable=False)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # Set when the session was closed before its last day ("end early"): why it was.
    ended_early_reason = models.CharField(_("reason for ending early"), max_length=500, blank=True)

    # The check-in secret stays out of the history; updated_at would only add noise.
    history = HistoricalRecords(excluded_fields=["checkin_secret", "updated_at"])

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_attendance_percent__lte=100), name="training_session_percent_le_100"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if self.pre_test_id and self.pre_test_id == self.post_test_id:
            raise ValidationError(
                {
                    "post_test": _(
                        "The post-test must be another quiz than the pre-test: the same quiz "
                        "twice would measure the retake, not the training."
                    )
                }
            )

    @property
    def is_final(self) -> bool:
        return self.status in (SessionStatus.CLOSED, SessionStatus.CANCELLED)


class SessionDay(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="days", verbose_name=_("session")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))

    class Meta:
        verbose_name = _("session day")
        verbose_name_plural = _("session days")
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["session", "date"], name="session_day_unique"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="session_day_times_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} – {self.date:%d/%m/%Y}"


class RegistrationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("Waitlisted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationSource(models.TextChoices):
    """How a registration came to be REGISTERED, when it was not the official or a secretary."""

    USUAL = "", _("Invitation or registration")
    ON_THE_DAY = "on_the_day", _("Registered by the trainer on the day (marked present)")
    ADDED_BY_TRAINER = "trainer", _("Added to the roster by the trainer")
    WALK_IN = "walk_in", _("Walk-in")


class Registration(models.Model):
    """One official on one session; the agency is the one they belonged to at the time."""

    # PROTECT here and below: deleting a session or a day never takes its records with it.
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("session"),
    )
    official = models.ForeignKey(
        "agencies.Official",
        on_delete=models.PROTECT,
        related_name="training_registrations",
        verbose_name=_("official"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_registrations",
        verbose_name=_("agency at the time"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.INVITED,
        db_index=True,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    source = models.CharField(
        _("source"), max_length=16, choices=RegistrationSource.choices, default="", blank=True
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    # Waitlist order: first come, first promoted.
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    completed = models.BooleanField(_("completed"), null=True, blank=True)
    completion_reason = models.CharField(_("completion reason"), max_length=255, blank=True)
    attendance_percent = models.DecimalField(
        _("attendance (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    post_test_passed = models.BooleanField(_("post-test passed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["session", "registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "official"], name="registration_unique"),
        ]
        indexes = [models.Index(fields=["session", "status", "registered_at"])]

    def __str__(self) -> str:
        return f"{self.official} – {self.session}"


class WalkIn(models.Model):
    """Someone who attended without a registration; matched to an official later."""

    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        related_name="walk_ins",
        verbose_name=_("session"),
    )
    day = models.ForeignKey(
        SessionDay, on_delete=models.PROTECT, related_name="walk_ins", verbose_name=_("day")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    agency_name = models.CharField(_("agency"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    matched_official = models.ForeignKey(
        "agencies.Official",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_walk_ins",
        verbose_name=_("matched official"),
    )
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched by"),
    )
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("walk-in")
        verbose_name_plural = _("walk-ins")
        ordering = ["day", "full_name", "pk"]

    def __str__(self) -> str:
        return self.full_name


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class AttendanceMethod(models.TextChoices):
    TRAINER = "trainer", _("Marked by trainer")
    QR = "qr", _("QR code")
    CARD = "card", _("Card")
    SHEET = "sheet", _("Sign-in sheet")
    WALK_IN = "walk_in", _("Walk-in")


class Attendance(models.Model):
    """Attendance of one registration (or walk-in) on one day. One row per pair, ever."""

    day = models.ForeignKey(
        SessionDay, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("day")
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("registration"),
    )
    walk_in = models.ForeignKey(
        WalkIn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("walk-in"),
    )
    status = models.CharField(_("status"), max_length=16, choices=AttendanceStatus.choices)
    method = models.CharField(_("method"), max_length=16, choices=AttendanceMethod.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=255, blank=True)
    # The scanned sign-in sheet behind a sheet mark; PROTECT: evidence outlives nothing it backs.
    evidence = models.ForeignKey(
        "AttendanceEvidence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("evidence"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["day", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "registration"], name="attendance_unique_registration"
            ),
            models.UniqueConstraint(fields=["day", "walk_in"], name="attendance_unique_walk_in"),
            models.CheckConstraint(
                condition=Q(registration__isnull=False) | Q(walk_in__isnull=False),
                name="attendance_has_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.get_status_display()}"


class AttendanceChange(models.Model):
    """History of an attendance row: who changed it, how and when (QMS record)."""

    attendance = models.ForeignKey(
        Attendance, on_delete=models.PROTECT, related_name="changes", verbose_name=_("attendance")
    )
    old_status = models.CharField(
        _("old status"), max_length=16, choices=AttendanceStatus.choices, blank=True
    )
    new_status = models.CharField(_("new status"), max_length=16, choices=AttendanceStatus.choices)
    method = models.CharField(_("method"), max_length=16, choices=AttendanceMethod.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=255, blank=True)
    evidence = models.ForeignKey(
        "AttendanceEvidence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("evidence"),
    )

    class Meta:
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.attendance}: {self.old_status or '-'} → {self.new_status}"


class NotificationLog(models.Model):
    """One row per notification sent; the unique key makes sending idempotent."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32)
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("registration"),
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification sent")
        verbose_name_plural = _("notifications sent")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key


def evidence_storage() -> FileSystemStorage:
    """PRIVATE_MEDIA_ROOT: outside MEDIA_ROOT, so no URL serves it; views check permission."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


def evidence_path(instance, filename: str) -> str:
    # A random name: the uploader's file name is kept in original_name, never in a path.
    suffix = PurePath(filename).suffix.lower()
    return f"attendance/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AttendanceEvidence(models.Model):
    """A scanned, signed sign-in sheet: private QMS evidence behind the attendance it backs."""

    day = models.ForeignKey(
        SessionDay, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("day")
    )
    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=evidence_path, max_length=255
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance evidence")
        verbose_name_plural = _("attendance evidence")
        ordering = ["day", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.day}: {self.original_name}"
