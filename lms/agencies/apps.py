from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.agencies"
    label = "agencies"
    verbose_name = _("Agencies")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import notifications  # noqa: F401 - registers the outbox renderer
        from .counts import counts_changed
        from .models import Assignment, Succession

        for model in (Assignment, Succession):
            for signal in (post_save, post_delete):
                signal.connect(
                    counts_changed,
                    sender=model,
                    dispatch_uid=f"agencies_counts_{signal is post_save}_{model.__name__}",
                )
