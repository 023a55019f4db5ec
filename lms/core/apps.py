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

        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import post_delete, post_migrate, post_save

        from .auth import (
            count_client_failure,
            forget_earlier_database,
            forget_role_holder,
            forget_user,
            set_session_lifetime,
        )
        from .models import RoleAssignment

        for signal in (post_save, post_delete):
            signal.connect(forget_user, sender=settings.AUTH_USER_MODEL, dispatch_uid="core_user")
            signal.connect(forget_role_holder, sender=RoleAssignment, dispatch_uid="core_roles")
        post_migrate.connect(forget_earlier_database, sender=self, dispatch_uid="core_new_db")
        user_logged_in.connect(set_session_lifetime, dispatch_uid="core_session_lifetime")
        user_login_failed.connect(count_client_failure, dispatch_uid="core_client_failures")

        _keep_history_manager_class()


def _keep_history_manager_class() -> None:
    """django-simple-history builds its manager class anew each time ``instance.history`` is
    read (``HistoryManager.from_queryset(...)``: a class made by inspecting every queryset
    method, about half a millisecond), and reads it on every save that writes a history row.
    The class depends only on the descriptor's manager and queryset classes: build it once
    per descriptor. The manager itself is still new per read, bound to the instance."""
    from simple_history.manager import HistoryDescriptor

    if getattr(HistoryDescriptor, "_lms_kept", False):
        return

    def __get__(self, instance, owner):
        manager_class = self.__dict__.get("_lms_manager_class")
        if manager_class is None:
            manager_class = self.manager_class.from_queryset(self.queryset_class)
            self._lms_manager_class = manager_class
        return manager_class(self.model, instance)

    HistoryDescriptor.__get__ = __get__
    HistoryDescriptor._lms_kept = True
