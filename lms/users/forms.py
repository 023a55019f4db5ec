from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form; the first field takes a staff code, an email or a username."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Staff code, email or username")
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = 254


class ActivationCodeForm(forms.Form):
    staff_code = forms.CharField(label=_("Staff code"), max_length=50)
    code = forms.CharField(
        label=_("Activation code"),
        max_length=30,
        help_text=_("As printed on your slip, e.g. ABCD-EFGH-JKMN."),
    )


class ReactivateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)
