"""Django admin: certificate rules are edited here; certificates and batches are read-only
(a certificate is never edited: revoke or reissue it from its page on the site)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Certificate, CertificateRule, IssueBatch


@admin.register(CertificateRule)
class CertificateRuleAdmin(admin.ModelAdmin):
    list_display = ("course", "self_paced", "sessions")
    raw_id_fields = ("course",)


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ("code", "holder_name", "agency_name", "course_title", "issued_on", "status")
    list_filter = ("status",)
    search_fields = ("code", "holder_name")
    exclude = ("pdf",)


@admin.register(IssueBatch)
class IssueBatchAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("session", "status", "issued", "total", "created_at", "finished_at")
