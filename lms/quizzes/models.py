"""Quiz engine. The Quiz model is the stable target that courses and training point at."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Quiz(models.Model):
    """A quiz (bài kiểm tra): settings and the questions it draws from."""

    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    draft = models.BooleanField(
        _("draft"), default=False, help_text=_("Drafts are visible to editors only.")
    )

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
