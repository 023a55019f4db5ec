import importlib.util

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.courses"
    label = "courses"
    verbose_name = _("Courses")

    def ready(self):
        from wagtail.signals import page_published

        from .models import LessonPage
        from .receivers import forget_lesson_body

        page_published.connect(forget_lesson_body, sender=LessonPage, dispatch_uid="courses_body")
        # The quiz engine is built alongside: listen to it once it exists.
        if importlib.util.find_spec("lms.quizzes.signals") is not None:
            from lms.quizzes.signals import sitting_finished

            from .services import on_sitting_finished

            sitting_finished.connect(on_sitting_finished, dispatch_uid="courses_sitting_finished")
