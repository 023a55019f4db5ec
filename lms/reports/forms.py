"""The dashboard's filters, read from the query string: a bad value is refused with an error
naming its field (the views answer 400 with the filters to correct), never ignored."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.agencies.models import PositionKind
from lms.competencies.models import Competency
from lms.courses.models import CoursePage

from .selectors import Filters

MONTH = re.compile(r"\d{4}-\d{2}")


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends); the first day of it."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            if not MONTH.fullmatch(value):
                raise ValueError(value)
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from exc


ID = re.compile(r"[1-9]\d{0,17}")


class IdChoiceField(forms.ModelChoiceField):
    """A record chosen by its id; anything but a plain id is refused before the database sees
    it (a 25-digit number overflows SQLite's integers)."""

    def to_python(self, value):
        if value not in self.empty_values and not ID.fullmatch(str(value)):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


# Refusals that do not repeat the value sent (it may be long, or a script).
CHOICE_ERRORS = {"invalid_choice": _("Choose one of the listed values.")}


class FilterForm(forms.Form):
    position_kind = forms.ChoiceField(
        label=_("Position kind"),
        required=False,
        choices=[("", _("All position kinds")), *PositionKind.choices],
        error_messages=CHOICE_ERRORS,
    )
    course = IdChoiceField(
        label=_("Course"),
        required=False,
        queryset=CoursePage.objects.none(),
        empty_label=_("All courses"),
        error_messages=CHOICE_ERRORS,
    )
    competency = IdChoiceField(
        label=_("Competency"),
        required=False,
        queryset=Competency.objects.none(),
        empty_label=_("All competencies"),
        error_messages=CHOICE_ERRORS,
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


class BelowFilterForm(FilterForm):
    """The filters of the "agencies below the threshold" list, with the threshold."""

    threshold = forms.IntegerField(
        label=_("Threshold (%)"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100}),
    )


def form_for(data, *, threshold: bool = False) -> FilterForm:
    """The bound filter form of a query string (or a POST), with the threshold if asked."""
    return (BelowFilterForm if threshold else FilterForm)(data if data is not None else {})


def filters_of(cleaned: dict) -> Filters:
    course, competency = cleaned.get("course"), cleaned.get("competency")
    return Filters(
        position_kind=cleaned.get("position_kind") or "",
        course_id=course.pk if course else None,
        competency_id=competency.pk if competency else None,
        start=cleaned.get("start"),
        end=cleaned.get("end"),
        as_of=cleaned.get("as_of"),
    )


def filters_from(data) -> tuple[Filters, FilterForm]:
    """The filters of stored parameters (a background export's, checked when it was asked
    for); a field that no longer holds (a course since unpublished) is left out."""
    form = form_for(data)
    if not form.is_valid():
        cleaned = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    else:
        cleaned = form.cleaned_data
    return filters_of(cleaned), form
