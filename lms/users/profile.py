"""Self-service for a logged-in official: name spelling, email, phone, posts, and a request to
correct their agency and position (decided by an ISO secretary, lms/agencies)."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from lms.agencies import services as agency_services
from lms.agencies.models import (
    Agency,
    AgencyChangeRequest,
    ChangeRequestStatus,
    PositionKind,
)
from lms.agencies.selectors import agency_match_q, official_for_user
from lms.core.selectors import account_summary

from . import otp

PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
# A Vietnamese number: +84 or 0, then 8 to 10 digits (landlines and mobiles, old and new).
PHONE_PATTERN = re.compile(r"(\+84|0)\d{8,10}")
AGENCY_CHOICES_LIMIT = 50


def normalize_phone(value: str) -> str:
    """The number without spaces, dots, dashes or brackets; ValidationError if not Vietnamese."""
    number = PHONE_SEPARATORS.sub("", value or "")
    if number and not PHONE_PATTERN.fullmatch(number):
        raise ValidationError(
            _("Enter a Vietnamese phone number: +84 or 0 followed by 8 to 10 digits."),
            code="phone",
        )
    return number


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=30, help_text=_("For example 0912 345 678.")
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise ValidationError(_("Enter your full name."))
        return name

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        taken = (
            get_user_model().objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists()
        )
        if email and taken:
            raise ValidationError(_("Another account already uses this email address."))
        return email

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])


@transaction.atomic
def profile_update(*, user, full_name: str, email: str, phone: str) -> list[str]:
    """Save the login's and the official's name, email and phone; returns the fields changed.
    The official's history (simple-history) records the old values and who changed them."""
    official = official_for_user(user)
    changed = [
        name
        for name, old in (
            ("full_name", official.full_name if official else user.full_name),
            ("email", user.email),
            ("phone", official.phone if official else ""),
        )
        if old != {"full_name": full_name, "email": email, "phone": phone}[name]
    ]
    if not changed:
        return []
    user.full_name = full_name
    user.email = email
    user.full_clean()
    user.save(update_fields=["full_name", "email"])
    if official is not None:
        official.full_name = full_name
        official.email = email
        official.phone = phone
        official.full_clean()
        official.save()
    return changed


@login_required
def account(request):
    """The signed-in user's profile: editable name, email and phone; posts; roles; two-factor."""
    user = request.user
    context = account_summary(user=user)
    official = context["official"]
    initial = {
        "full_name": official.full_name if official else user.full_name,
        "email": user.email,
        "phone": official.phone if official else "",
    }
    form = ProfileForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = profile_update(user=user, **form.cleaned_data)
        if "email" in changed:
            messages.info(
                request,
                _("Your email address is now %(email)s: notices and password resets go there.")
                % {"email": form.cleaned_data["email"] or "—"},
            )
        messages.success(request, _("Your profile is saved.") if changed else _("Nothing changed."))
        return redirect("account")
    context.update(
        form=form,
        otp_offered=otp.may_set_up(user) or otp.admin_must_verify(user),
        otp_configured=otp.has_device(user),
        pending_request=(
            AgencyChangeRequest.objects.filter(
                official=official, status=ChangeRequestStatus.PENDING
            )
            .select_related("agency")
            .first()
            if official
            else None
        ),
    )
    return render(request, "core/account.html", context)


class AgencyRequestForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    position_kind = forms.ChoiceField(label=_("Position kind"), choices=PositionKind.choices)
    position_title = forms.CharField(label=_("Position"), required=False, max_length=200)
    note = forms.CharField(
        label=_("Note for the ISO secretary"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, query: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        today = datetime.date.today()
        current = Agency.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        if not self.is_bound:
            # Only the matches of the search are offered; a posted id may be any current agency.
            if query.strip():
                current = current.filter(agency_match_q(query))
            current = current.order_by("depth", "name")[:AGENCY_CHOICES_LIMIT]
        self.fields["agency"].queryset = current


class AgencySearchForm(forms.Form):
    q = forms.CharField(label=_("Search the agency by name or code"), max_length=100)


@login_required
def agency_request(request):
    """Ask an ISO secretary to correct one's agency and position."""
    official = official_for_user(request.user)
    if official is None:
        messages.error(request, _("No official record is linked to this account."))
        return redirect("account")
    search = AgencySearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    form = AgencyRequestForm(request.POST or None, query=query)
    if request.method == "POST" and form.is_valid():
        try:
            agency_services.agency_change_request_create(official=official, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Your request is sent; an ISO secretary of the agency will decide.")
            )
            return redirect("account")
    return render(
        request,
        "users/agency_request.html",
        {"search": search, "query": query, "form": form, "show_form": bool(query) or form.is_bound},
    )
