"""Course pages: CourseIndexPage → CoursePage → ModulePage → LessonPage."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class CourseIndexPage(Page):
    """The catalogue of courses."""

    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course index")


class CoursePage(Page):
    """A course (khóa học)."""

    code = models.CharField(_("course code"), max_length=40, unique=True)
    final_quiz = models.ForeignKey(
        "quizzes.Quiz",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="final_of_courses",
        verbose_name=_("final quiz"),
    )

    content_panels = Page.content_panels + [FieldPanel("code"), FieldPanel("final_quiz")]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("course")


class ModulePage(Page):
    """A module (chuyên đề) of a course."""

    quiz = models.ForeignKey(
        "quizzes.Quiz",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="modules",
        verbose_name=_("module quiz"),
    )

    content_panels = Page.content_panels + [FieldPanel("quiz")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("module")


class LessonPage(Page):
    """A lesson (bài học)."""

    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)

    content_panels = Page.content_panels + [FieldPanel("estimated_minutes")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
