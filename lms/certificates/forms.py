from django import forms
from django.utils.translation import gettext_lazy as _


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Kept in the certificate's history and shown on its verification page."),
    )


class ReissueForm(RevokeForm):
    holder_name = forms.CharField(label=_("Holder's name"), max_length=200)
    agency_name = forms.CharField(label=_("Agency's name"), max_length=255, required=False)
