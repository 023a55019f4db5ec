"""Competency framework (ISO 9001 clause 7.2) and per-official records derived from certificates.

A competency is granted by one or more courses; a requirement says which position kinds need it;
a record (one per official and competency) is recomputed from the official's valid certificates
whenever one is issued, revoked or expires, and names the certificate that is its evidence.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lms.agencies.models import PositionKind


class Competency(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # TCVN ISO 9001:2015 clause numbers, e.g. ["7.2", "9.2"].
    clauses = models.JSONField(_("ISO 9001 clauses"), default=list, blank=True)
    courses = models.ManyToManyField(
        "courses.CoursePage",
        blank=True,
        related_name="competencies",
        verbose_name=_("granted by courses"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi


class Requirement(models.Model):
    """Officials in this kind of position must hold this competency."""

    position_kind = models.CharField(
        _("position kind"), max_length=32, choices=PositionKind.choices
    )
    competency = models.ForeignKey(
        Competency,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("competency"),
    )

    class Meta:
        verbose_name = _("competency requirement")
        verbose_name_plural = _("competency requirements")
        ordering = ["position_kind", "competency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["position_kind", "competency"], name="requirement_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_kind_display()} → {self.competency}"


class CompetencyRecord(models.Model):
    """What the official holds of one competency, and the certificate that proves it."""

    official = models.ForeignKey(
        "agencies.Official",
        on_delete=models.CASCADE,
        related_name="competency_records",
        verbose_name=_("official"),
    )
    competency = models.ForeignKey(
        Competency,
        on_delete=models.CASCADE,
        related_name="records",
        verbose_name=_("competency"),
    )
    # The valid certificate with the latest expiry among those granting this competency; null
    # when none is valid any more (the record then says since when it lapsed).
    certificate = models.ForeignKey(
        "certificates.Certificate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="competency_records",
        verbose_name=_("evidence"),
    )
    held = models.BooleanField(_("held"), default=False)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("competency record")
        verbose_name_plural = _("competency records")
        ordering = ["official", "competency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["official", "competency"], name="competency_record_unique"
            ),
        ]
        indexes = [models.Index(fields=["competency", "held", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.official} – {self.competency}"
