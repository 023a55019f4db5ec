"""Django admin for the agency tree: units are looked up (the tree is loaded by ``load_units``),
and mergers and splits are recorded through ``succession_record``."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Agency, Succession
from .services import succession_problems, succession_record


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    """Read-only: the tree's paths are kept by the loaders; here units are found and looked at."""

    list_display = ("name", "code", "kind", "valid_from", "valid_to")
    list_filter = ("kind", "depth")
    search_fields = ("name", "code")
    ordering = ("path",)
    readonly_fields = ("name", "code", "kind", "valid_from", "valid_to", "source", "path", "depth")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuccessionRecordForm(forms.ModelForm):
    """A merger (several former units, one successor) or a split (one former unit, several)."""

    predecessors = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.all(),
        label=_("former units"),
        help_text=_("They close the day before the effective date."),
    )
    successors = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.all(), label=_("successors")
    )

    class Meta:
        model = Succession
        fields = ("date", "note")

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field_name in (("predecessors", "predecessor"), ("successors", "successor")):
            field = self.fields[name]
            field.widget = AutocompleteSelectMultiple(
                Succession._meta.get_field(field_name), admin_site or admin.site
            )
            field.widget.choices = field.choices

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("predecessors") and data.get("successors"):
            problems = succession_problems(
                predecessors=list(data["predecessors"]),
                successors=list(data["successors"]),
                date=data["date"],
            )
            if problems:
                raise ValidationError(problems)
        return data


@admin.register(Succession)
class SuccessionAdmin(admin.ModelAdmin):
    """Added as a whole merger or split; a recorded succession is kept (its note may change)."""

    list_display = ("predecessor", "successor", "date", "note")
    list_filter = ("date",)
    search_fields = ("predecessor__name", "predecessor__code", "successor__name", "successor__code")
    date_hierarchy = "date"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            site = self.admin_site

            class Form(SuccessionRecordForm):
                def __init__(self, *args, **kw):
                    super().__init__(*args, admin_site=site, **kw)

            kwargs["form"] = Form
            kwargs["fields"] = ("predecessors", "successors", "date", "note")
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("predecessors", "successors", "date", "note")
        return ("predecessor", "successor", "date", "note")

    def get_readonly_fields(self, request, obj=None):
        return ("predecessor", "successor", "date") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        recorded = succession_record(
            predecessors=list(form.cleaned_data["predecessors"]),
            successors=list(form.cleaned_data["successors"]),
            date=form.cleaned_data["date"],
            note=form.cleaned_data.get("note", ""),
        )
        # The admin's messages and log name the first pair; the others are in the list.
        obj.pk = recorded[0].pk
        obj.predecessor, obj.successor = recorded[0].predecessor, recorded[0].successor

    def has_delete_permission(self, request, obj=None):
        # Records made under a former unit roll up through its successions: never lost silently.
        return False
