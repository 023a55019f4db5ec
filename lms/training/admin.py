"""Django admin for training records: QMS evidence, so history is shown and never rewritten.

A closed or cancelled session is read-only here as in the site: its days, registrations and
attendance cannot be changed, only re-opened with a reason (session_reopen). Deleting a session
or a day that has registrations or attendance is refused (PROTECT); cancel the session instead.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    Attendance,
    AttendanceChange,
    NotificationLog,
    Registration,
    SessionDay,
    SessionStatus,
    TrainingSession,
    WalkIn,
)


def _in_final_session(obj) -> bool:
    """Is ``obj`` (a session, or a record of one) part of a closed or cancelled session?"""
    if obj is None:
        return False
    session = obj if isinstance(obj, TrainingSession) else obj.session
    return session.is_final


class FinalSessionReadOnly:
    """Records of a closed or cancelled session can be viewed, not changed or deleted."""

    def has_change_permission(self, request, obj=None):
        return not _in_final_session(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _in_final_session(obj) and super().has_delete_permission(request, obj)


class SessionDayInline(FinalSessionReadOnly, admin.TabularInline):
    model = SessionDay
    extra = 0

    def has_add_permission(self, request, obj=None):
        return not _in_final_session(obj) and super().has_add_permission(request, obj)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for re-opening"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=gettext_lazy("Kept in the session's history."),
    )


@admin.register(TrainingSession)
class TrainingSessionAdmin(FinalSessionReadOnly, SimpleHistoryAdmin):
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
        "target_agencies",
    )
    filter_horizontal = ("trainers",)
    readonly_fields = ("created_at", "closed_at", "closed_by")
    inlines = [SessionDayInline]
    change_form_template = "training/admin/session_change_form.html"

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":
            # Closing computes every participant's result (session_close): never a plain edit.
            kwargs["choices"] = [c for c in SessionStatus.choices if c[0] != SessionStatus.CLOSED]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        if getattr(response, "context_data", {}).get("protected"):
            messages.error(
                request,
                _(
                    "This session has registrations or attendance, which are records to keep: "
                    "set its status to Cancelled instead of deleting it."
                ),
            )
        return response

    def get_urls(self):
        reopen = self.admin_site.admin_view(self.reopen_view)
        return [
            path("<path:object_id>/reopen/", reopen, name="training_trainingsession_reopen"),
            *super().get_urls(),
        ]

    def reopen_view(self, request, object_id):
        """Ask for the reason, then re-open a closed session (services.session_reopen)."""
        session = get_object_or_404(TrainingSession, pk=object_id)
        # Object-level change permission is off while closed: the model permission decides.
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ReopenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.session_reopen(
                    session=session, by=request.user, reason=form.cleaned_data["reason"]
                )
            except services.TrainingError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The session is re-opened."))
            return redirect(reverse("admin:training_trainingsession_change", args=[session.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": session,
            "title": _("Re-open %(session)s") % {"session": session},
            "form": form,
            "is_closed": session.status == SessionStatus.CLOSED,
        }
        return TemplateResponse(request, "training/admin/session_reopen.html", context)


@admin.register(Registration)
class RegistrationAdmin(FinalSessionReadOnly, SimpleHistoryAdmin):
    list_display = ("official", "session", "agency", "status", "completed", "registered_at")
    list_filter = ("status", "completed")
    search_fields = ("official__full_name", "official__staff_code", "session__title")
    raw_id_fields = ("session", "official", "agency", "invited_by", "registered_by")
    # Timestamps are facts of the record (registered_at orders the waiting list): an admin form
    # must never rewrite them, not even by dropping their microseconds.
    readonly_fields = ("invited_at", "registered_at", "cancelled_at", "created_at", "updated_at")


class AttendanceChangeInline(admin.TabularInline):
    model = AttendanceChange
    extra = 0
    can_delete = False
    readonly_fields = ("old_status", "new_status", "method", "changed_by", "changed_at", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    """Read-only: attendance is written by the attendance services, which keep its history."""

    list_display = ("day", "registration", "walk_in", "status", "method", "marked_by", "marked_at")
    list_filter = ("status", "method")
    raw_id_fields = ("day", "registration", "walk_in", "marked_by")
    inlines = [AttendanceChangeInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WalkIn)
class WalkInAdmin(FinalSessionReadOnly, admin.ModelAdmin):
    list_display = ("full_name", "agency_name", "session", "day", "matched_official")
    raw_id_fields = ("session", "day", "matched_official", "matched_by")


@admin.register(NotificationLog)
class NotificationLogAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "sent_at")
    search_fields = ("key",)
