from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from lms.core.tabular import validate_upload_size


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("CSV (UTF-8) or XLSX, first row = column headers, at most 5 MB."),
        validators=[FileExtensionValidator(["csv", "xlsx"]), validate_upload_size],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    create_accounts = forms.BooleanField(
        label=_("Create accounts for rows with an email"),
        help_text=_(
            "Each imported official with an email and no login gets one, and an email with a "
            "one-time link to choose a password."
        ),
        required=False,
    )


class AgencySearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name or code"), required=False, max_length=100)


class ChangeRequestDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when refusing; the official reads it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for refusing."))
        return data
