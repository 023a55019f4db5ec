"""Course pages (index → course → module → lesson), enrolments and lesson progress."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from simple_history.models import HistoricalRecords
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from .blocks import LESSON_BLOCKS


class SyncedPage(models.Model):
    """Fields that let ``sync_content`` stay idempotent and notice edits made in the admin."""

    source_hash = models.CharField(
        _("source hash"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Hash of the content file this page was last synced from."),
    )
    synced_revision = models.ForeignKey(
        "wagtailcore.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("revision written by the last sync"),
    )

    class Meta:
        abstract = True

    @property
    def edited_since_sync(self) -> bool:
        """True if someone saved a revision after the last sync wrote this page."""
        return bool(self.source_hash) and self.latest_revision_id != self.synced_revision_id

    def get_view_restrictions(self):
        """Wagtail's view restrictions of this page and its ancestors, in one query.

        Same answer as ``Page.get_view_restrictions`` (restrictions of an alias are those of its
        source page), but the ancestors' paths come from this page's own materialised path
        instead of a query per request.
        """
        steplen = Page.steplen
        chain = Page.objects.filter(
            path__in=[self.path[:end] for end in range(steplen, len(self.path) + 1, steplen)]
        )
        return PageViewRestriction.objects.filter(
            Q(page__in=chain.filter(alias_of__isnull=True).values("pk"))
            | Q(page__in=chain.filter(alias_of__isnull=False).values("alias_of"))
        )


class CourseClauseTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="clause_items"
    )


class LessonClauseTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="clause_items"
    )


class CourseIndexPage(Page):
    """The catalogue of courses."""

    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course index")

    def route(self, request, path_components):
        """Find a course, module or lesson under this index in one query by its URL path.

        Wagtail's default walks the tree with two queries per level (six for a lesson); the
        depth tells the page type here, and ``url_path`` (kept by Wagtail on every rename and
        move) names the page exactly. Anything else falls back to Wagtail's walk, 404s included.
        """
        model = {1: CoursePage, 2: ModulePage, 3: LessonPage}.get(len(path_components))
        if model is not None and self.url_path:
            queryset = model.objects.all()
            if model is LessonPage:
                # The rendered body comes from the cache; don't parse the stream on every view.
                queryset = queryset.defer("body", "search_text")
            page = (
                queryset.filter(
                    slug=path_components[-1],
                    url_path=f"{self.url_path}{'/'.join(path_components)}/",
                    path__startswith=self.path,
                )
                .order_by()
                .first()
            )
            if page is not None:
                if len(path_components) == 1:
                    page._cached_parent_obj = self
                return page.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from .selectors import open_courses

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = open_courses(parent=self, user=request.user)
        return context


class Completion(models.TextChoices):
    ALL_LESSONS = "all_lessons", _("All lessons done")
    ALL_LESSONS_AND_FINAL_QUIZ = (
        "all_lessons_and_final_quiz",
        _("All lessons done and final quiz passed"),
    )


class CoursePage(SyncedPage, Page):  # noqa: DJ008 - Page.__str__
    """A course (khóa học)."""

    code = models.CharField(_("course code"), max_length=40, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    audience = models.TextField(_("audience"), blank=True)
    intro = models.TextField(_("introduction (Markdown)"), blank=True)
    open_enrolment = models.BooleanField(
        _("open enrolment"), default=True, help_text=_("Officials may enrol themselves.")
    )
    completion = models.CharField(
        _("completion rule"),
        max_length=40,
        choices=Completion.choices,
        default=Completion.ALL_LESSONS,
    )
    certificate_validity_months = models.PositiveSmallIntegerField(
        _("certificate validity (months)"), null=True, blank=True
    )
    clauses = ClusterTaggableManager(
        through=CourseClauseTag, blank=True, verbose_name=_("ISO 9001 clauses")
    )
    final_quiz = models.ForeignKey(
        "quizzes.Quiz",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="final_of_courses",
        verbose_name=_("final quiz"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("code"),
        FieldPanel("summary"),
        FieldPanel("audience"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("open_enrolment"),
                FieldPanel("completion"),
                FieldPanel("final_quiz"),
                FieldPanel("certificate_validity_months"),
            ],
            heading=_("Enrolment and completion"),
        ),
        FieldPanel("clauses"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("intro"),
        index.FilterField("code"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("course")

    @property
    def needs_final_quiz(self) -> bool:
        return self.completion == Completion.ALL_LESSONS_AND_FINAL_QUIZ

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(course_page_context(course=self, user=request.user))
        return context


class ModulePage(SyncedPage, Page):  # noqa: DJ008 - Page.__str__
    """A module (chuyên đề) of a course."""

    intro = models.TextField(_("introduction (Markdown)"), blank=True)
    quiz = models.ForeignKey(
        "quizzes.Quiz",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="modules",
        verbose_name=_("module quiz"),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("quiz")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("module")

    def serve(self, request, *args, **kwargs):
        # A module has no page of its own: its outline lives on the course page.
        from django.shortcuts import redirect

        course = self.get_parent()
        return redirect(f"{course.get_url(request)}#module-{self.pk}")


class LessonPage(SyncedPage, Page):  # noqa: DJ008 - Page.__str__
    """A lesson (bài học)."""

    # Reopening the lesson the learner was last seen on within this time writes nothing.
    SEEN_RESOLUTION = datetime.timedelta(minutes=2)

    body = StreamField(LESSON_BLOCKS, blank=True, verbose_name=_("body"))
    clauses = ClusterTaggableManager(
        through=LessonClauseTag, blank=True, verbose_name=_("ISO 9001 clauses")
    )
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)
    # Folded words (lms/core/text.py search_column) kept by save() for the lesson search.
    search_title = models.TextField(_("search title"), blank=True, editable=False)
    search_headings = models.TextField(_("search headings"), blank=True, editable=False)
    search_text = models.TextField(
        _("search text"), blank=True, editable=False, help_text=_("Unaccented text for search.")
    )

    content_panels = Page.content_panels + [
        FieldPanel("body"),
        FieldPanel("clauses"),
        FieldPanel("estimated_minutes"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")

    def save(self, *args, **kwargs):
        from .search import lesson_columns

        columns = lesson_columns(title=self.title, body=self.body)
        for name, value in columns.items():
            setattr(self, name, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"body", "title"} & set(update_fields):
            kwargs["update_fields"] = list({*update_fields, *columns})
        return super().save(*args, **kwargs)

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        from lms.core.access import can

        from .selectors import lesson_state
        from .services import enrolment_create, lesson_mark_seen

        state = lesson_state(lesson=self, user=request.user)
        if not can(request.user, "courses.read_lesson", state):
            raise PermissionDenied("courses.read_lesson")
        if state.official is not None and state.course is not None:
            if state.enrolment is None and state.course.open_enrolment:
                # Opening a lesson of an open course enrols the learner (source "self").
                state.enrolment = enrolment_create(official=state.official, course=state.course)
            if not self.seen_recently(state.enrolment):
                lesson_mark_seen(
                    official_id=state.official.pk,
                    lesson_id=self.pk,
                    course_id=state.course.pk,
                    enrolment_id=state.enrolment.pk if state.enrolment else None,
                )
        from .cachekeys import page_stamp
        from .pagecache import remember_route

        # Read before the page: what it shows is at least as new as this generation.
        request._lms_page_stamp = stamp = page_stamp()
        request._lms_lesson_state = state
        response = super().serve(request, *args, **kwargs)
        if state.course is not None:
            remember_route(request, lesson=self, course=state.course, stamp=stamp)
        return response

    def seen_recently(self, enrolment) -> bool:
        """True if the enrolment already records this lesson as last seen a moment ago.

        ``lesson_mark_seen`` stamps the enrolment and the lesson's progress row with the same
        time, so a reload of the same lesson need not write either again (writes serialise on
        SQLite and cost a WAL append elsewhere); opening another lesson always writes.
        """
        return bool(
            enrolment is not None
            and enrolment.last_lesson_id == self.pk
            and enrolment.last_seen_at
            and timezone.now() - enrolment.last_seen_at < self.SEEN_RESOLUTION
        )

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_page_context(lesson=self, request=request))
        return context


class EnrolmentSource(models.TextChoices):
    SELF = "self", _("Self-enrolled")
    ASSIGNED = "assigned", _("Assigned")


class Enrolment(models.Model):
    """An official taking a course; keeps the agency of the time so history rolls up."""

    official = models.ForeignKey(
        "agencies.Official",
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("official"),
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("course")
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("agency at enrolment"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=EnrolmentSource.choices, default=EnrolmentSource.SELF
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        LessonPage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last lesson seen"),
    )
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)

    # Where the learner last was is not evidence and is written with update(): not tracked.
    history = HistoricalRecords(excluded_fields=["last_lesson", "last_seen_at"])

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["official", "course"], name="enrolment_unique"),
        ]
        indexes = [models.Index(fields=["course", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.official} – {self.course}"


class LessonProgress(models.Model):
    """One learner's progress on one lesson."""

    official = models.ForeignKey(
        "agencies.Official",
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name=_("official"),
    )
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="progress", verbose_name=_("lesson")
    )
    # Denormalised so a learner's progress per course is one indexed query.
    course = models.ForeignKey(
        CoursePage,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name=_("course"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)

    # Completion is the evidence; a row created when a lesson is merely seen skips its history row
    # (see lesson_mark_seen), so the cached lesson page costs no extra query.
    history = HistoricalRecords(excluded_fields=["last_seen_at"])

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["official", "lesson"], name="lesson_progress_unique"),
        ]
        indexes = [models.Index(fields=["official", "course"])]

    def __str__(self) -> str:
        return f"{self.official} – {self.lesson}"


class PageGeneration(models.Model):
    """One row: the generation of the published course pages, a token that every page-cache key
    carries (see cachekeys). It lives in the database so that it changes in the same transaction
    as the pages themselves, and the lesson page reads it in the query it makes anyway."""

    value = models.CharField(_("generation"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("page generation")

    def __str__(self) -> str:
        return self.value
