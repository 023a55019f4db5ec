"""Django admin for role grants, and the read-only history admin that evidence records use."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import RoleAssignment


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
class RoleAssignmentAdmin(ReadOnlyHistoryAdmin):
    """Grants and revocations go through role_assign/role_revoke (admin groups, scope caches)."""

    list_display = ("user", "role", "agency", "granted_at", "granted_by")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "agency__name")
    list_select_related = ("user", "agency", "granted_by")
