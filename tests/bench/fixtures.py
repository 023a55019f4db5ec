"""Data the bench scenarios need, made inside the bench database (run via `manage.py shell`)."""

from __future__ import annotations


def prepare() -> None:
    from lms.courses.models import LessonPage

    lesson = LessonPage.objects.live().order_by("path").first()
    if lesson is not None:
        print(f"BENCH lesson_url={lesson.url}")
