"""Per-agency figures kept current for the dashboards, and background exports.

``AgencySummary`` holds, for each agency, the figures *attributed directly to it* (an official
counts where their main post is, a completion or an attendance where it was recorded, a closed
unit's records under its successor). A dashboard adds up the rows under each child agency with
one grouped query, so its cost follows the number of agencies, not of officials or records.
The rows of an agency are rebuilt together (``services.summaries_refresh``) once one of its
records has changed (``PendingRefresh``, processed before a dashboard is read and by a task), and
all at once by ``manage.py refresh_report_summaries`` and nightly.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AgencySummary(models.Model):
    """One slice of an agency's own figures.

    Three shapes of row: no competency, course nor month (``officials``, ``expiring``); a
    competency (``required``, ``met``); a month, with the course when there is one
    (``completions``, ``attendances``). ``position_kind`` is the official's main post's kind.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="+", verbose_name=_("agency")
    )
    position_kind = models.CharField(_("position kind"), max_length=32, blank=True)
    competency = models.ForeignKey(
        "competencies.Competency",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("competency"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("course"),
    )
    month = models.DateField(_("month"), null=True, blank=True)
    officials = models.PositiveIntegerField(_("officials"), default=0)
    required = models.PositiveIntegerField(_("required"), default=0)
    met = models.PositiveIntegerField(_("met"), default=0)
    completions = models.PositiveIntegerField(_("courses completed"), default=0)
    attendances = models.PositiveIntegerField(_("sessions attended"), default=0)
    expiring = models.PositiveIntegerField(_("certificates expiring"), default=0)
    # The day the figures were computed for (expiry windows and validity depend on it).
    computed_on = models.DateField(_("computed on"))

    class Meta:
        verbose_name = _("agency summary")
        verbose_name_plural = _("agency summaries")
        indexes = [models.Index(fields=["agency", "position_kind"])]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.position_kind} {self.competency_id} {self.month}"


class PendingRefresh(models.Model):
    """What one committed transaction changed that the summary rows count: the agencies of these
    officials, these agencies and those of these registrations are to be rebuilt (everything
    when ``everything``, after a framework change). Written by ``services.summaries_mark_stale``,
    taken and deleted by ``services.summaries_refresh_pending``."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    officials = models.JSONField(_("officials changed"), default=list, blank=True)
    agencies = models.JSONField(_("agencies changed"), default=list, blank=True)
    registrations = models.JSONField(_("registrations changed"), default=list, blank=True)
    everything = models.BooleanField(_("every agency"), default=False)

    class Meta:
        verbose_name = _("pending summary refresh")
        verbose_name_plural = _("pending summary refreshes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.pk} ({self.created_at:%Y-%m-%d %H:%M:%S})"


def export_storage():
    """Under PRIVATE_MEDIA_ROOT: a file is served only to the user who asked for it."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


class ExportJob(models.Model):
    """A whole-subtree export built by a worker; its file is for the requester only, for a while."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="+", verbose_name=_("agency")
    )
    params = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("steps done"), default=0)
    total = models.PositiveIntegerField(_("steps"), default=0)
    file = models.FileField(
        _("file"), storage=export_storage, upload_to="report-exports/", max_length=255, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agency_id} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()
