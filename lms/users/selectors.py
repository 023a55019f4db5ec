"""Reads on logins."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Max, Q, QuerySet

from lms.agencies.models import Official


def leavers(*, today: datetime.date | None = None) -> QuerySet[Official]:
    """Officials with an active login whose posts have all ended (after any reactivation)."""
    today = today or datetime.date.today()
    current = Q(assignments__end_date__isnull=True) | Q(assignments__end_date__gte=today)
    return (
        Official.objects.filter(user__is_active=True, user__is_superuser=False)
        .annotate(current=Count("assignments", filter=current), ended=Max("assignments__end_date"))
        .filter(current=0, ended__isnull=False)
        .filter(Q(user__reactivated_on__isnull=True) | Q(ended__gte=F("user__reactivated_on")))
    )


class SSOMatch:
    """Why a single sign-on found no official (lms/users/oidc.py turns it into a message)."""

    NONE = "none"
    AMBIGUOUS = "ambiguous"
    CONFLICT = "conflict"


def official_for_sso(
    *, staff_code: str | None, email: str | None
) -> tuple[Official | None, str | None]:
    """The one official a provider's sign-in names: by staff code (case-insensitive, as at the
    login form), else by email (the caller passes only a verified one). Returns (official, None)
    or (None, SSOMatch.*): two officials with the same code or address are never guessed between,
    and an email that leads to an official with another staff code than the one the provider
    asserted is a conflict, not a match."""
    staff_code = (staff_code or "").strip()
    email = (email or "").strip()
    if staff_code:
        found = list(
            Official.objects.select_related("user").filter(staff_code__iexact=staff_code)[:2]
        )
        if len(found) > 1:
            return None, SSOMatch.AMBIGUOUS
        if found:
            return found[0], None
    if not email:
        return None, SSOMatch.NONE
    found = list(Official.objects.select_related("user").filter(email__iexact=email)[:2])
    if len(found) > 1:
        return None, SSOMatch.AMBIGUOUS
    if not found:
        return None, SSOMatch.NONE
    official = found[0]
    if staff_code and official.staff_code and official.staff_code.lower() != staff_code.lower():
        return None, SSOMatch.CONFLICT
    return official, None
