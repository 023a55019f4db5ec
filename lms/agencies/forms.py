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
