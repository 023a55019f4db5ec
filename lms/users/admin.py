from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    """Django's user admin with the login's history (creation, deactivation, reactivation)."""

    fieldsets = BaseUserAdmin.fieldsets + (
        ("Profile", {"fields": ("full_name", "reactivated_on")}),
    )
    list_display = ("username", "full_name", "email", "is_active", "is_staff")
    search_fields = ("username", "full_name", "email")
