from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Each app declares its permission rules in rules.py; load them all once.
        autodiscover_modules("rules")
