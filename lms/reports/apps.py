from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from lms.core import commit

        from . import receivers, services

        receivers.connect()
        commit.register(services.summaries_write_marks_now)
