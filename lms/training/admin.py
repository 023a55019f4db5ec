"""Django admin for training records. Attendance history is read-only: records are QMS evidence."""

from django.contrib import admin

from .models import (
    Attendance,
    AttendanceChange,
    NotificationLog,
    Registration,
    SessionDay,
    TrainingSession,
    WalkIn,
)


class SessionDayInline(admin.TabularInline):
    model = SessionDay
    extra = 0


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ("title", "host_agency", "status", "capacity", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "venue", "host_agency__name")
    raw_id_fields = (
        "host_agency",
        "course",
        "pre_test",
        "post_test",
        "copied_from",
        "created_by",
        "closed_by",
    )
    filter_horizontal = ("trainers",)
    raw_id_fields = raw_id_fields + ("target_agencies",)
    inlines = [SessionDayInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("official", "session", "agency", "status", "completed", "registered_at")
    list_filter = ("status", "completed")
    search_fields = ("official__full_name", "official__staff_code", "session__title")
    raw_id_fields = ("session", "official", "agency", "invited_by", "registered_by")


class AttendanceChangeInline(admin.TabularInline):
    model = AttendanceChange
    extra = 0
    can_delete = False
    readonly_fields = ("old_status", "new_status", "method", "changed_by", "changed_at", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("day", "registration", "walk_in", "status", "method", "marked_by", "marked_at")
    list_filter = ("status", "method")
    raw_id_fields = ("day", "registration", "walk_in", "marked_by")
    inlines = [AttendanceChangeInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WalkIn)
class WalkInAdmin(admin.ModelAdmin):
    list_display = ("full_name", "agency_name", "session", "day", "matched_official")
    raw_id_fields = ("session", "day", "matched_official", "matched_by")


@admin.register(NotificationLog)
class NotificationLogAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "sent_at")
    search_fields = ("key",)
