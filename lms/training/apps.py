from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self):
        from . import notifications  # noqa: F401 - registers the outbox renderers
