from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.quizzes"
    label = "quizzes"
    verbose_name = _("Quizzes")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import models
        from .definitions import bank_changed

        # What an attempt starting now reads of the bank (definitions.py).
        for sender in (
            models.Quiz,
            models.QuizQuestion,
            models.QuizDraw,
            models.Category,
            models.Question,
            models.Choice,
        ):
            for signal in (post_save, post_delete):
                signal.connect(
                    bank_changed,
                    sender=sender,
                    dispatch_uid=f"quizzes_bank_{signal is post_save}_{sender._meta.label}",
                )
