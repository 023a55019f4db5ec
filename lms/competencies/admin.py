"""Django admin for the competency framework (administrators edit it) and the records (read-only:
they are derived from certificates). A change to a competency (which courses grant it) queues a
recompute of everyone's records once it commits; requirements need none (records do not depend on
positions, the matrix reads requirements live)."""

import re

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Competency, CompetencyRecord, Requirement
from .services import records_recompute_all_later

CLAUSE = re.compile(r"\d{1,2}(\.\d{1,2}){0,3}")


class CompetencyForm(forms.ModelForm):
    class Meta:
        model = Competency
        fields = ["code", "name_vi", "name_en", "description", "clauses", "courses", "active"]
        help_texts = {
            "clauses": _('A list of TCVN ISO 9001:2015 clause numbers, e.g. ["7.2", "9.2"].'),
        }

    def clean_clauses(self):
        clauses = self.cleaned_data["clauses"]
        if not isinstance(clauses, list):
            raise forms.ValidationError(_('Write a list of clause numbers, e.g. ["7.2", "9.2"].'))
        bad = [str(c) for c in clauses if not isinstance(c, str) or not CLAUSE.fullmatch(c)]
        if bad:
            raise forms.ValidationError(
                _("Not a clause number: %(values)s (write e.g. 7.2 or 9.1.2).")
                % {"values": ", ".join(bad)}
            )
        return clauses


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    form = CompetencyForm
    list_display = ["code", "name_vi", "name_en", "clauses", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name_vi", "name_en"]
    filter_horizontal = ["courses"]
    inlines = [RequirementInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        records_recompute_all_later()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        records_recompute_all_later()


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = ["position_kind", "competency"]
    list_filter = ["position_kind"]
    list_select_related = ["competency"]


@admin.register(CompetencyRecord)
class CompetencyRecordAdmin(admin.ModelAdmin):
    """Derived from certificates by records_recompute: shown, never edited by hand."""

    list_display = ["official", "competency", "held", "valid_until", "certificate", "updated_at"]
    list_filter = ["held", "competency"]
    search_fields = ["official__full_name", "official__staff_code", "certificate__code"]
    list_select_related = ["official", "competency", "certificate"]
    raw_id_fields = ["official", "certificate"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
