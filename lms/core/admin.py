"""Django admin for role grants, the read-only history admin that evidence records use, and the
outbox (what was sent, what waits, what failed and why)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.admin import SimpleHistoryAdmin

from .models import OutboxMessage, OutboxStatus, RoleAssignment
from .services import role_assign, role_revoke

# django-simple-history ships no Vietnamese catalogue: the strings of its history page are
# translated in ours (Django looks a message up in every catalogue).
HISTORY_PAGE_STRINGS = (
    gettext_noop("Object"),
    gettext_noop("Date/time"),
    gettext_noop("Comment"),
    gettext_noop("Changed by"),
    gettext_noop("Change reason"),
    gettext_noop("Changes"),
    gettext_noop("Created"),
    gettext_noop("Changed"),
    gettext_noop("Deleted"),
    gettext_noop("View history: %s"),
    gettext_noop("Change history: %s"),
    gettext_noop("View %s"),
    gettext_noop("This object doesn't have a change history."),
)


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Records written by services only (which keep related state right); History shows each
    change with who, when and old → new."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    """Grant and revoke roles through role_assign/role_revoke (admin groups, scope caches); a
    grant is never edited: revoke it and grant another. History shows who did each, and when."""

    list_display = ("user", "role", "agency", "valid_until", "granted_at", "granted_by")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "agency__name")
    list_select_related = ("user", "agency", "granted_by")
    fields = ("user", "role", "agency", "valid_until", "reason", "granted_at", "granted_by")
    readonly_fields = ("granted_at", "granted_by")
    raw_id_fields = ("user", "agency")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.pk = role_assign(
            user=obj.user,
            role=obj.role,
            agency=obj.agency,
            granted_by=request.user,
            valid_until=obj.valid_until,
            reason=obj.reason,
        ).pk

    def delete_model(self, request, obj):
        role_revoke(user=obj.user, role=obj.role, agency=obj.agency, revoked_by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("key", "recipient", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("key", "recipient")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again"), permissions=["change"])
    def send_again(self, request, queryset):
        """Failed messages back to the queue (after the mail server is fixed), attempts reset."""
        queryset.filter(status=OutboxStatus.FAILED).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
