"""The agency tree (any depth, with validity dates and successions) and the officials in it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node

from lms.core.text import fold


class AgencyKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("Centrally-run city")
    DISTRICT = "district", _("District (before 01/07/2025)")
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    TOWNSHIP = "township", _("Township (before 01/07/2025)")
    PEOPLES_COMMITTEE = "peoples_committee", _("People's Committee")
    DEPARTMENT = "department", _("Provincial department")
    BRANCH = "branch", _("Branch")
    VERTICAL = "vertical", _("Vertical agency")
    PUBLIC_SERVICE = "public_service", _("Public service unit")
    OTHER = "other", _("Other")


TERRITORIAL_KINDS = {
    AgencyKind.PROVINCE,
    AgencyKind.CITY,
    AgencyKind.DISTRICT,
    AgencyKind.COMMUNE,
    AgencyKind.WARD,
    AgencyKind.SPECIAL_ZONE,
    AgencyKind.TOWNSHIP,
}


class Agency(MP_Node):
    """One node of the agency tree; the materialised path makes subtree queries a prefix match."""

    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    # Administrative codes are zero-padded strings ("01", "00004"); blank for non-territorial units.
    code = models.CharField(_("administrative code"), max_length=10, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=255)
    # fold() of the name, kept by save() (and agencies_bulk_add): agency searches match it in SQL.
    name_folded = models.CharField(
        _("folded name"), max_length=300, blank=True, editable=False, db_index=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(
        _("data source"),
        max_length=100,
        blank=True,
        help_text=_("Where the record was loaded from."),
    )

    node_order_by: list[str] = []

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            # A code names one unit at a time; a closed unit keeps its code in history.
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(valid_to__isnull=True) & ~Q(code=""),
                name="agency_code_unique_while_valid",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="agency_valid_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.refold()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)

    def refold(self) -> None:
        """Bring ``name_folded`` up to date (bulk_create and bulk_update skip save())."""
        self.name_folded = fold(self.name)[:300]

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def is_current(self) -> bool:
        return self.valid_to is None or self.valid_to >= datetime.date.today()


class Succession(models.Model):
    """An agency taken over by another on a date (merger, split, renaming)."""

    predecessor = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="successions_out",
        verbose_name=_("predecessor"),
    )
    successor = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="successions_in", verbose_name=_("successor")
    )
    date = models.DateField(_("effective date"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("succession")
        verbose_name_plural = _("successions")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="succession_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.date:%d/%m/%Y})"


class PositionKind(models.TextChoices):
    LEADER = "leader", _("Leader")
    ISO_SECRETARY = "iso_secretary", _("ISO secretary")
    ONE_STOP_OFFICER = "one_stop_officer", _("One-stop officer")
    SPECIALIST = "specialist", _("Specialist")
    INTERNAL_AUDITOR = "internal_auditor", _("Internal auditor")
    OTHER = "other", _("Other")


class Official(models.Model):
    """A person working in an agency; may exist long before they first log in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="official",
        verbose_name=_("login"),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Agencies' own staff number, used to match rows on re-import.
    staff_code = models.CharField(
        _("staff code"), max_length=50, unique=True, null=True, blank=True
    )
    # fold() of the name and staff code, kept by save(): the people search matches it in SQL.
    name_folded = models.CharField(
        _("folded name"), max_length=260, blank=True, editable=False, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # A name spelling, email or phone changed (by the official or an import) stays on record.
    history = HistoricalRecords(excluded_fields=["updated_at", "name_folded"])

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["full_name", "pk"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.refold()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"full_name", "staff_code"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)

    def refold(self) -> None:
        """Bring ``name_folded`` up to date (bulk_create and bulk_update skip save())."""
        self.name_folded = fold(f"{self.full_name} {self.staff_code or ''}")[:260]


class Assignment(models.Model):
    """An official's post in an agency over a period; past records keep the agency of that time."""

    official = models.ForeignKey(
        Official, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("official")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("agency")
    )
    position_kind = models.CharField(
        _("position kind"),
        max_length=32,
        choices=PositionKind.choices,
        default=PositionKind.SPECIALIST,
    )
    position_title = models.CharField(_("position"), max_length=200, blank=True)
    start_date = models.DateField(_("from"), default=datetime.date.today)
    end_date = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-start_date", "pk"]
        indexes = [models.Index(fields=["agency", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        position = self.position_title or self.get_position_kind_display()
        return f"{self.official} – {position} – {self.agency}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= datetime.date.today()


class ImportJob(models.Model):
    """A large officials import run by a worker; the upload is kept here until the task has run."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("refused")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    # In the database, not in media: a roster is personal data and must never be a public file.
    content = models.BinaryField(_("content"), blank=True)
    within_paths = models.JSONField(_("agency scope"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    create_accounts = models.BooleanField(_("create accounts"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("officials import")
        verbose_name_plural = _("officials imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class AgencyChangeRequest(models.Model):
    """An official asks to correct their agency and position; an ISO secretary decides."""

    official = models.ForeignKey(
        Official,
        on_delete=models.CASCADE,
        related_name="change_requests",
        verbose_name=_("official"),
    )
    # The agency of the official's post when asking: a secretary over it sees the request too.
    current_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current agency"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested agency")
    )
    position_kind = models.CharField(
        _("position kind"), max_length=32, choices=PositionKind.choices
    )
    position_title = models.CharField(_("position"), max_length=200, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency correction request")
        verbose_name_plural = _("agency correction requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open request per official at a time.
            models.UniqueConstraint(
                fields=["official"],
                condition=Q(status="pending"),
                name="agency_change_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.official} → {self.agency} ({self.get_status_display()})"


class AgencyCount(models.Model):
    """The official counts of one agency as of ``computed_on`` (lms/agencies/counts.py)."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    current = models.PositiveIntegerField(_("officials now in its subtree"), default=0)
    lineage = models.PositiveIntegerField(_("officials ever in its lineage"), default=0)
    current_in_lineage = models.PositiveIntegerField(_("officials now in its lineage"), default=0)
    computed_on = models.DateField(_("computed on"))

    class Meta:
        verbose_name = _("agency official count")
        verbose_name_plural = _("agency official counts")

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.current}"
