from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Profile", {"fields": ("full_name",)}),)
    list_display = ("username", "full_name", "email", "is_staff")
    search_fields = ("username", "full_name", "email")
