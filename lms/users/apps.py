from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.users"
    label = "users"
    verbose_name = _("Users")

    def ready(self):
        from . import activation  # noqa: F401 - registers the activation email's renderer
