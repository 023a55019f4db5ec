"""Forms of the People and roles pages; choices are limited to the user's administration scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .access import is_platform_admin
from .models import Role

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class AgencyField(forms.ModelChoiceField):
    """An agency of the scope, indented by depth; an id outside the queryset is refused."""

    def label_from_instance(self, obj):
        code = f" ({obj.code})" if obj.code else ""
        return f"{'— ' * max(obj.depth - 1, 0)}{obj.name}{code}"


class PageField(forms.ModelChoiceField):
    """A course page, indented by its depth in the page tree."""

    def label_from_instance(self, obj):
        return f"{'— ' * max(obj.depth - 3, 0)}{obj.title}"


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or staff code"), required=False, max_length=100)
    agency = AgencyField(
        label=_("Agency (and units below)"), queryset=None, required=False, empty_label=_("All")
    )
    position_kind = forms.ChoiceField(label=_("Position kind"), required=False)
    login = forms.ChoiceField(
        label=_("Login"),
        required=False,
        choices=[("", _("All")), ("yes", _("Has a login")), ("no", _("No login yet"))],
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All")), *Role.choices]
    )

    def __init__(self, *args, agencies, **kwargs):
        from lms.agencies.models import PositionKind

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["position_kind"].choices = [("", _("All")), *PositionKind.choices]

    def filters(self) -> dict:
        """Keyword arguments for selectors.people_in_scope (nothing matches while invalid)."""
        data = self.cleaned_data
        return {
            "agency": data["agency"],
            "position_kind": data["position_kind"],
            "has_login": {"yes": True, "no": False}.get(data["login"]),
            "role": data["role"],
            "query": data["q"],
        }


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    agency = AgencyField(
        label=_("Agency scope (and units below)"),
        queryset=None,
        required=False,
        help_text=_("The agencies of the person's current posts and the units above them."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for no end date. The role counts through this day."),
    )
    page = PageField(
        label=_("Page subtree (content editors)"),
        queryset=None,
        required=False,
        help_text=_(
            "A content editor held over a subtree edits and publishes only the pages under it. "
            "Leave empty for every page (platform administrators only)."
        ),
    )
    collection = forms.ModelChoiceField(
        label=_("Image and document collection (content editors)"),
        queryset=None,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit history, e.g. the decision that assigns the duty."),
    )

    def __init__(self, *args, granter, agencies, **kwargs):
        from .selectors import content_areas

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        pages, collections = content_areas(granter)
        self.fields["page"].queryset = pages
        self.fields["collection"].queryset = collections
        platform = is_platform_admin(granter)
        self.fields["role"].choices = [
            (value, label) for value, label in Role.choices if platform or value != Role.ADMIN
        ]
        if platform:
            self.fields["agency"].empty_label = _("Whole platform")
        else:
            self.fields["agency"].required = True


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=500)
