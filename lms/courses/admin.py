"""Django admin for enrolments and lesson progress: read-only records with their history."""

from django.contrib import admin

from lms.core.admin import ReadOnlyHistoryAdmin

from .models import Enrolment, LessonProgress


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("official", "course", "agency", "source", "enrolled_at", "completed_at")
    list_filter = ("source",)
    search_fields = ("official__full_name", "official__staff_code")
    list_select_related = ("official", "course", "agency")


@admin.register(LessonProgress)
class LessonProgressAdmin(ReadOnlyHistoryAdmin):
    list_display = ("official", "lesson", "course", "completed_at")
    search_fields = ("official__full_name", "official__staff_code")
    list_select_related = ("official", "lesson", "course")
