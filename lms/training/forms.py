from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lms.agencies.models import Agency, Assignment, Official, PositionKind
from lms.core.access import EVERYWHERE, scope_paths
from lms.core.models import Role, RoleAssignment
from lms.core.selectors import agencies_within
from lms.core.tabular import validate_upload_size
from lms.courses.models import CoursePage
from lms.quizzes.models import Quiz
from lms.users.models import User

from . import services
from .models import Registration, RegistrationStatus, SessionKind, SessionStatus, TrainingSession


def agencies_in_scope(user, *roles):
    return agencies_within(scope_paths(user, *roles))


def trainers_in_scope(user, *, keep=()):
    """Users holding the trainer role over an area that overlaps the user's trainer scope."""
    prefixes = scope_paths(user, Role.TRAINER)
    area = Q()
    if EVERYWHERE not in prefixes:
        area = Q(role_assignments__agency__isnull=True)  # platform-wide trainers
        for prefix in prefixes:
            # Their area inside ours, or ours inside theirs (a province's trainer in a commune).
            ancestors = [prefix[:end] for end in range(Agency.steplen, len(prefix), Agency.steplen)]
            area |= Q(role_assignments__agency__path__startswith=prefix)
            area |= Q(role_assignments__agency__path__in=ancestors)
    # One filter() call: role and area are checked on the same role assignment.
    active = RoleAssignment.active_q("role_assignments__")
    in_scope = User.objects.filter(Q(role_assignments__role=Role.TRAINER) & active & area)
    return (
        User.objects.filter(Q(pk__in=in_scope.values("pk")) | Q(pk=user.pk) | Q(pk__in=keep))
        .distinct()
        .order_by("username")
    )


def agency_ref(agency) -> str:
    """How an agency is typed in the plain agency input: its administrative code, else #id."""
    return agency.code or f"#{agency.pk}"


def agency_label(agency) -> str:
    return f"{agency.name} ({agency_ref(agency)})"


AGENCY_REF_SPLIT = re.compile(r"[,;\s]+")
ID_TEXT = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "²".isdigit() is True


class AgencyInput(forms.TextInput):
    """A plain text input of agency codes (or #ids); agency-picker.js turns it into a searchable
    list fed by training:agency_search. A few thousand units never go into the page."""

    def __init__(self, *, multiple: bool, attrs=None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.multiple = multiple

    def value_from_datadict(self, data, files, name):
        if not self.multiple:
            return str(data.get(name) or "").strip()  # one agency: the whole text, never a part
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        return [t for v in values for t in AGENCY_REF_SPLIT.split(str(v or "")) if t]

    def format_value(self, value):
        refs = value if isinstance(value, list | tuple) else ([value] if value else [])
        shown = []
        for ref in refs:
            agency = ref if hasattr(ref, "pk") else None
            if agency is None and isinstance(ref, int):  # initial data: a primary key
                agency = Agency.objects.filter(pk=ref).first()
            shown.append(agency_ref(agency) if agency else str(ref))
        return " ".join(shown)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-agency-picker": "multiple" if self.multiple else "single",
                "data-search-url": reverse("training:agency_search"),
            }
        )
        return context


def _resolve_agency(queryset, ref):
    """An agency of ``queryset`` from a code, a #id or an id; None if none matches."""
    if hasattr(ref, "pk"):
        return queryset.filter(pk=ref.pk).first()
    ref = str(ref).strip()
    if ref.startswith("#"):
        ref = ref[1:]
        return queryset.filter(pk=int(ref)).first() if ID_TEXT.fullmatch(ref) else None
    found = queryset.filter(code=ref).first() if ref else None
    if found is None and ID_TEXT.fullmatch(ref):
        found = queryset.filter(pk=int(ref)).first()
    return found


class AgencyChoiceField(forms.ModelChoiceField):
    widget = AgencyInput(multiple=False)

    def __init__(self, *args, **kwargs):
        kwargs["widget"] = AgencyInput(multiple=False)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return agency_label(obj)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        agency = _resolve_agency(self.queryset, value)
        if agency is None:
            raise ValidationError(
                _("“%(value)s” is not the code of an agency you may choose."),
                code="invalid_choice",
                params={"value": str(value)[:30]},
            )
        return agency


class AgencyMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs["widget"] = AgencyInput(multiple=True)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return agency_label(obj)

    def clean(self, value):
        value = [v for v in (value or []) if v not in self.empty_values]
        if not value:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.queryset.none()
        found, bad = [], []
        for ref in value:
            agency = _resolve_agency(self.queryset, ref)
            (found.append(agency.pk) if agency else bad.append(str(ref)[:30]))
        if bad:
            raise ValidationError(
                _("Not the code of an agency you may choose: %(values)s.")
                % {"values": ", ".join(bad)},
                code="invalid_choice",
            )
        return self.queryset.filter(pk__in=found)


class DayRowsWidget(forms.Widget):
    """The session's days as rows of date and time pickers (input type=date / time).

    The rows are posted as lists (day_date, day_start, day_end) and joined into the lines
    "dd/mm/yyyy hh:mm-hh:mm" that services.parse_days reads, so errors name the row ("Line N").
    A posted ``days`` text (the earlier form, scripts) is still accepted as it is.
    """

    template_name = "training/widgets/day_rows.html"
    blank_rows = 2

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data.get(name)
        dates, starts, ends = (data.getlist(key) for key in ("day_date", "day_start", "day_end"))
        lines = []
        for date, start, end in zip(dates, starts, ends, strict=False):
            date, start, end = date.strip(), start.strip(), end.strip()
            if not (date or start or end):
                lines.append("")  # keeps the row numbers of the lines below
                continue
            try:
                shown = datetime.date.fromisoformat(date).strftime("%d/%m/%Y")
            except ValueError:
                shown = date or "?"
            lines.append(f"{shown} {start or '?'}-{end or '?'}")
        return "\n".join(lines)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = []
        for line in (value or "").splitlines():
            match = services.DAY_LINE.match(line)
            if match:
                d, m, y, h1, m1, h2, m2 = match.groups()
                rows.append(
                    {
                        "date": f"{int(y):04d}-{int(m):02d}-{int(d):02d}",
                        "start": f"{int(h1):02d}:{m1}",
                        "end": f"{int(h2):02d}:{m2}",
                    }
                )
            elif line.strip():
                rows.append({"date": "", "start": "", "end": "", "text": line.strip()})
        rows += [{"date": "", "start": "", "end": ""}] * max(self.blank_rows, 3 - len(rows))
        context["rows"] = [{"number": n, **row} for n, row in enumerate(rows, start=1)]
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The theme's template folder, which the form renderer does not search.
        from django.template.loader import render_to_string

        context = self.get_context(name, self.format_value(value), self.build_attrs(attrs or {}))
        return render_to_string(self.template_name, context)

    def format_value(self, value):
        if isinstance(value, list | tuple):  # DaySpec list after cleaning
            return services.format_days(value)
        return value


class SessionForm(forms.ModelForm):
    days = forms.CharField(
        label=_("Days"),
        widget=DayRowsWidget,
        help_text=_(
            "One row per day: the date, the start and end times. Leave the spare rows empty; "
            "save and edit again for more rows."
        ),
    )
    target_positions = forms.MultipleChoiceField(
        label=_("Target positions"),
        choices=PositionKind.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": len(PositionKind.choices)}),
        help_text=_("Choose none to invite every position."),
    )
    registration_deadline = forms.DateTimeField(
        label=_("Registration deadline"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = TrainingSession
        fields = [
            "title",
            "kind",
            "course",
            "description",
            "host_agency",
            "venue",
            "address",
            "days",
            "trainers",
            "capacity",
            "target_agencies",
            "target_positions",
            "registration_deadline",
            "status",
            "min_attendance_percent",
            "late_after_minutes",
            "pre_test",
            "post_test",
        ]
        field_classes = {
            "host_agency": AgencyChoiceField,
            "target_agencies": AgencyMultipleChoiceField,
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = agencies_in_scope(user, Role.TRAINER)
        self.fields["host_agency"].queryset = scope
        self.fields["target_agencies"].queryset = scope
        self.fields["host_agency"].help_text = _(
            "Type the agency's name or administrative code and choose it from the list."
        )
        self.fields["target_agencies"].help_text = _(
            "Officials of these agencies and of every agency under them are invited. Type a name "
            "or code and choose from the list; without the list, give the codes separated by "
            "spaces."
        )
        self.fields["target_agencies"].required = False
        self.fields["kind"].required = False
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        # Trainers already on the session stay choosable; no one else from outside the scope.
        keep = list(self.instance.trainers.values_list("pk", flat=True)) if self.instance.pk else []
        self.fields["trainers"].queryset = trainers_in_scope(user, keep=keep)
        self.fields["pre_test"].queryset = Quiz.objects.filter(draft=False)
        self.fields["post_test"].queryset = Quiz.objects.filter(draft=False)
        self.fields["status"].choices = [
            (SessionStatus.DRAFT, SessionStatus.DRAFT.label),
            (SessionStatus.SCHEDULED, SessionStatus.SCHEDULED.label),
            (SessionStatus.OPEN, SessionStatus.OPEN.label),
        ] + ([(SessionStatus.CANCELLED, SessionStatus.CANCELLED.label)] if self.instance.pk else [])
        self.fields["min_attendance_percent"].widget.attrs.update({"min": 1, "max": 100})
        if self.instance.pk and "days" not in self.initial:
            self.initial["days"] = services.format_days(self.instance.days.all())
        if not self.instance.pk and not self.initial.get("trainers"):
            self.initial["trainers"] = [user.pk]

    def clean_days(self):
        return services.parse_days(self.cleaned_data["days"])

    def clean_kind(self):
        """A form sent without the kind (an older page, a script) keeps the session's own."""
        return self.cleaned_data.get("kind") or self.instance.kind or SessionKind.TRAINING

    def clean_min_attendance_percent(self):
        value = self.cleaned_data["min_attendance_percent"]
        if not 1 <= value <= 100:
            raise ValidationError(_("Give a percentage from 1 to 100."))
        return value

    def clean(self):
        cleaned = super().clean()
        deadline, days = cleaned.get("registration_deadline"), cleaned.get("days")
        if deadline and days and deadline.date() > days[0].date:
            self.add_error(
                "registration_deadline", _("The deadline must not be after the first day.")
            )
        return cleaned

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        days = data.pop("days")
        trainers = list(data.pop("trainers"))
        targets = list(data.pop("target_agencies"))
        return {"days": days, "trainers": trainers, "target_agencies": targets, **data}


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV or XLSX)"),
        help_text=_(
            "First row: staff_code, or full_name and agency_code. "
            "Every row must match one official."
        ),
        validators=[validate_upload_size],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.official_ids = services.roster_parse(name=upload.name, content=upload.read())
        except services.RosterError as exc:
            raise ValidationError(exc.messages) from exc
        return upload


class SecretaryRegisterForm(forms.Form):
    officials = forms.ModelMultipleChoiceField(
        label=_("Officials"), queryset=Official.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, session, **kwargs):
        super().__init__(*args, **kwargs)
        prefixes = scope_paths(user, Role.ISO_SECRETARY)
        q = Q()
        if EVERYWHERE not in prefixes:
            q = Q(pk__in=[])
            for prefix in prefixes:
                q |= Q(agency__path__startswith=prefix)
        target_q = Q()
        for agency in session.target_agencies.all():
            target_q |= Q(agency__path__startswith=agency.path)
        if not session.target_agencies.all():
            target_q = Q(agency__path__startswith=session.host_agency.path)
        from .services import _current_assignments_q, _today

        assignments = (
            Assignment.objects.filter(_current_assignments_q(_today())).filter(q).filter(target_q)
        )
        if session.target_positions:
            assignments = assignments.filter(position_kind__in=session.target_positions)
        self.fields["officials"].queryset = (
            Official.objects.filter(pk__in=assignments.values("official_id"))
            .exclude(
                pk__in=Registration.objects.filter(
                    session=session,
                    status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED],
                ).values("official_id")
            )
            .order_by("full_name", "pk")
        )


class SessionCloseForm(forms.Form):
    """Closing cannot be undone: it is confirmed; before the last day it needs a reason."""

    reason = forms.CharField(
        label=_("Reason for ending the session early"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I have checked the lists above; close the session (this cannot be undone)."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that the session is to be closed.")},
    )

    def __init__(self, *args, early: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.early = early
        if early:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = _(
                "Give the reason for ending the session before its last day."
            )
        else:
            del self.fields["reason"]
