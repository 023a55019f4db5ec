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


class AgencySearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name or code"), required=False, max_length=100)
