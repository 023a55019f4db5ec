from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetenciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.competencies"
    label = "competencies"
    verbose_name = _("Competencies")

    def ready(self):
        from lms.certificates.signals import (
            certificate_expired,
            certificate_issued,
            certificate_revoked,
        )

        from .signals import on_certificate_changed

        for name, signal in (
            ("issued", certificate_issued),
            ("revoked", certificate_revoked),
            ("expired", certificate_expired),
        ):
            signal.connect(on_certificate_changed, dispatch_uid=f"competencies_certificate_{name}")
