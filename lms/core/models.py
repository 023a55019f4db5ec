"""Shared pieces: role assignments with agency scope, and the site's home and standard pages."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TRAINER = "trainer", _("Trainer")
    ISO_SECRETARY = "iso_secretary", _("ISO secretary")
    STEERING = "steering", _("Steering committee member")
    EDITOR = "editor", _("Content editor")
    PROVINCIAL_ADMIN = "provincial_admin", _("Provincial administrator")
    ADMIN = "admin", _("Platform administrator")


class RoleAssignment(models.Model):
    """A user holds a role over an agency's subtree; no agency means platform-wide.

    A grant with ``valid_until`` counts through that day and no longer: past it, the row stays
    (the product shows it as ended) but no scope, menu or permission check reads it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("agency scope"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # A content editor may be held over a page subtree and an image/document collection only
    # (Wagtail group permissions, see services.editor_scope_sync); none: every page, as before.
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("page subtree"),
    )
    collection = models.ForeignKey(
        "wagtailcore.Collection",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("collection"),
    )
    # Required for grants made in the product; grants made before it existed have none.
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    # A revoked role is a deleted row: its history keeps who held it, from when, and who revoked.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "agency"], name="role_assignment_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(agency__isnull=True),
                name="role_assignment_unique_global",
            ),
        ]

    def __str__(self) -> str:
        scope = self.agency or _("whole platform")
        return f"{self.user} · {self.get_role_display()} · {scope}"

    @property
    def is_content_scoped(self) -> bool:
        return self.page_id is not None or self.collection_id is not None

    @classmethod
    def active_q(cls, prefix: str = "") -> models.Q:
        """Grants that count today (``prefix`` for a lookup through a relation)."""
        return models.Q(**{f"{prefix}valid_until__isnull": True}) | models.Q(
            **{f"{prefix}valid_until__gte": timezone.localdate()}
        )

    @property
    def is_active(self) -> bool:
        return self.valid_until is None or self.valid_until >= timezone.localdate()


class HomePage(Page):
    """The public landing page, edited in Wagtail."""

    intro = RichTextField(_("introduction"), blank=True)
    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title", label=_("Heading"))),
            ("paragraph", blocks.RichTextBlock(label=_("Paragraph"))),
        ],
        blank=True,
        verbose_name=_("body"),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if request.user.is_authenticated:
            # A logged-in official's courses, sessions and results (apps above core, imported
            # here); anonymous visitors get the page as edited, with no query of ours.
            from lms.courses.selectors import learner_overview
            from lms.courses.services import learner_sittings_close_expired

            learner_sittings_close_expired(user=request.user)
            context.update(learner_overview(user=request.user))
        return context


class StandardPage(Page):
    """A plain content page (about, help, contacts)."""

    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]

    class Meta:
        verbose_name = _("standard page")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("No longer applies")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """An email to send, written in the same transaction as the change it tells of.

    A worker killed mid-send or a broker that is down loses nothing: the row stays pending until
    ``lms.core.outbox`` sends it (``key`` is unique, so the same notice is never queued twice).
    """

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    recipient = models.EmailField(_("recipient"), max_length=254)
    # Ids the kind's renderer reads when sending: the email tells of the records as they are then.
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status="pending"),
                name="outbox_due",
            )
        ]

    def __str__(self) -> str:
        return self.key


class DemoLoad(models.Model):
    """The marker that the demo was loaded into this database, one row per load: ``load_demo``
    (``make run``) loads it only while there is none, ``load_demo --force`` (``make demo``) loads
    it again on purpose."""

    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demo load")
        verbose_name_plural = _("demo loads")

    def __str__(self) -> str:
        return f"demo {self.loaded_at:%d/%m/%Y %H:%M}"


class BulkJob(models.Model):
    """Work on thousands of records (a course assigned to a province, invitations to a whole
    session's targets) run by a worker in batches; the page of the job shows its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("stopped on an error")

    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The ids and options the kind's runner reads (see lms.core.jobs).
    params = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Where the page sends the user back to once the job is over.
    back_url = models.CharField(_("back link"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return 100 if self.finished else (100 * self.done // self.total if self.total else 0)
