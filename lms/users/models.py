from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class LoginHistory(HistoricalRecords):
    """History that ignores the save of ``last_login`` made at each login."""

    def post_save(self, instance, created, using=None, **kwargs):
        if kwargs.get("update_fields") == frozenset({"last_login"}):
            return
        super().post_save(instance, created, using=using, **kwargs)


class User(AbstractUser):
    """A login. The person behind it, with agency and position, is an agencies.Official."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    # Set by an explicit reactivation: posts that ended before it no longer deactivate the login.
    reactivated_on = models.DateField(_("reactivated on"), null=True, blank=True)
    # Who activated, deactivated or reactivated a login, and why; logins and password hashes are
    # left out so that signing in writes no history row and no hash is copied.
    history = LoginHistory(excluded_fields=["last_login", "password"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class ActivationCode(models.Model):
    """A one-time code printed for an official without email; only its keyed hash is stored."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="activation_code", verbose_name=_("user")
    )
    code_hash = models.CharField(_("code hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")

    def __str__(self) -> str:
        return str(self.user)
