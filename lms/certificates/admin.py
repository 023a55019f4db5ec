"""Django admin: certificate rules are edited here; certificates and batches are read-only
(a certificate is never edited: revoke or reissue it from its page on the site)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from lms.training.models import SessionKind

from .models import Certificate, CertificateRule, IssueBatch


class CertificateRuleForm(forms.ModelForm):
    session_kinds = forms.MultipleChoiceField(
        label=_("kinds of session that issue"),
        choices=SessionKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none for every kind (a workshop, for example, may issue none)."),
    )

    class Meta:
        model = CertificateRule
        fields = ["course", "self_paced", "sessions", "session_kinds"]


@admin.register(CertificateRule)
class CertificateRuleAdmin(admin.ModelAdmin):
    form = CertificateRuleForm
    list_display = ("course", "self_paced", "sessions", "kinds")
    raw_id_fields = ("course",)

    @admin.display(description=_("kinds of session that issue"))
    def kinds(self, rule):
        labels = dict(SessionKind.choices)
        return ", ".join(str(labels.get(k, k)) for k in rule.session_kinds) or _("every kind")


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
