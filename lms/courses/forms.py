from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.agencies.models import Agency, PositionKind
from lms.core.access import EVERYWHERE, scope_paths

from .models import CoursePage
from .rules import ASSIGNER_ROLES


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(queryset=CoursePage.objects.none(), label=_("Course"))
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        label=_("Agencies"),
        help_text=_("Each agency is assigned with all the agencies under it."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    position_kinds = forms.MultipleChoiceField(
        choices=PositionKind.choices,
        required=False,
        label=_("Positions"),
        help_text=_("Leave empty for every position."),
        widget=forms.CheckboxSelectMultiple,
    )
    due_date = forms.DateField(
        required=False,
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        today = timezone.localdate()
        prefixes = scope_paths(user, *ASSIGNER_ROLES)
        agencies = Agency.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        if EVERYWHERE not in prefixes:
            q = Q(pk__in=[])
            for prefix in prefixes:
                q |= Q(path__startswith=prefix)
            agencies = agencies.filter(q)
        self.fields["agencies"].queryset = agencies.order_by("path")
        self.fields["agencies"].label_from_instance = lambda a: (
            "\u2003" * max(0, a.depth - 1) + (f"{a.name} ({a.code})" if a.code else a.name)
        )

    def clean_due_date(self):
        due = self.cleaned_data.get("due_date")
        if due and due < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        return due
