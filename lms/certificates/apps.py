from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.certificates"
    label = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        from lms.courses.signals import course_completed
        from lms.quizzes.signals import sitting_finished
        from lms.training.signals import session_completed

        from . import notifications  # noqa: F401 - registers the outbox renderers
        from .receivers import on_course_completed, on_session_completed, on_sitting_finished

        course_completed.connect(on_course_completed, dispatch_uid="certificates_course")
        session_completed.connect(on_session_completed, dispatch_uid="certificates_session")
        sitting_finished.connect(on_sitting_finished, dispatch_uid="certificates_renewal")
        from . import receivers_openbadges  # noqa: F401 - connects the Open Badges receivers
