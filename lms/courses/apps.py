from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.courses"
    label = "courses"
    verbose_name = _("Courses")

    def ready(self):
        self._connect_generation()

        from lms.quizzes.signals import sitting_finished

        from . import notifications  # noqa: F401 - registers the outbox renderers
        from .services import on_sitting_finished

        sitting_finished.connect(on_sitting_finished, dispatch_uid="courses_sitting_finished")
        self._connect_final_quizzes()

    @staticmethod
    def _connect_final_quizzes():
        """The quizzes that end a course (selectors.is_final_quiz) change with course pages."""
        from django.db.models.signals import post_delete, post_save

        from .models import CoursePage
        from .selectors import FINAL_QUIZZES

        for signal in (post_save, post_delete):
            signal.connect(
                FINAL_QUIZZES.changed,
                sender=CoursePage,
                dispatch_uid=f"courses_final_quizzes_{signal is post_save}",
            )

    @staticmethod
    def _connect_generation():
        """Start a new page generation (cachekeys) on every change a course page may show."""
        from django.db.models.signals import post_delete, post_save
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model
        from wagtail.models import Page, PageViewRestriction, Site, get_page_models
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from lms.quizzes.models import Quiz  # module pages link to their quiz by slug

        from .cachekeys import new_generation

        senders = (
            Page,
            *get_page_models(),
            PageViewRestriction,
            Site,
            Quiz,
            get_image_model(),  # lesson bodies show images and documents
            get_document_model(),
        )
        for sender in senders:
            for signal in (post_save, post_delete):
                signal.connect(
                    new_generation,
                    sender=sender,
                    dispatch_uid=f"courses_generation_{signal is post_save}_{sender._meta.label}",
                )
        from lms.agencies.models import Official
        from lms.quizzes.models import Sitting

        from . import learners
        from .models import Enrolment, LessonProgress

        # What the lesson fast path keeps of each learner (learners.py) follows these rows.
        for sender in (Enrolment, LessonProgress, Sitting, Official):
            for signal in (post_save, post_delete):
                signal.connect(
                    learners.on_model_change,
                    sender=sender,
                    dispatch_uid=f"courses_learner_{signal is post_save}_{sender._meta.label}",
                )
        for name, signal in (
            ("published", page_published),
            ("unpublished", page_unpublished),
            ("moved", post_page_move),
        ):
            signal.connect(new_generation, dispatch_uid=f"courses_generation_{name}")
