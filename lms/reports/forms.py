"""The dashboard's filters, read from the query string (bad values are named, not ignored)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.agencies.models import PositionKind
from lms.competencies.models import Competency
from lms.courses.models import CoursePage

from .selectors import Filters


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends); the first day of it."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from exc


class FilterForm(forms.Form):
    position_kind = forms.ChoiceField(
        label=_("Position kind"),
        required=False,
        choices=[("", _("All position kinds")), *PositionKind.choices],
    )
    course = forms.ModelChoiceField(
        label=_("Course"),
        required=False,
        queryset=CoursePage.objects.none(),
        empty_label=_("All courses"),
    )
    competency = forms.ModelChoiceField(
        label=_("Competency"),
        required=False,
        queryset=Competency.objects.none(),
        empty_label=_("All competencies"),
    )
    start = MonthField(
        label=_("From month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    end = MonthField(
        label=_("To month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        help_text=_("A past day: the agency tree and the posts valid then."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["competency"].queryset = Competency.objects.filter(active=True)

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and day >= timezone.localdate():
            return None  # today or later: the current figures
        return day

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The last month is before the first."))
        return data


def filters_from(data) -> tuple[Filters, FilterForm]:
    """The filters of a query string; invalid fields are left out (the form names them)."""
    form = FilterForm(data if data is not None else {})
    if not form.is_valid():
        cleaned = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    else:
        cleaned = form.cleaned_data
    course, competency = cleaned.get("course"), cleaned.get("competency")
    filters = Filters(
        position_kind=cleaned.get("position_kind") or "",
        course_id=course.pk if course else None,
        competency_id=competency.pk if competency else None,
        start=cleaned.get("start"),
        end=cleaned.get("end"),
        as_of=cleaned.get("as_of"),
    )
    return filters, form
