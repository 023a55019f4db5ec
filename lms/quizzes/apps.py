from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.quizzes"
    label = "quizzes"
    verbose_name = _("Quizzes")
