from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.agencies"
    label = "agencies"
    verbose_name = _("Agencies")

    def ready(self):
        from . import notifications  # noqa: F401 - registers the outbox renderer
