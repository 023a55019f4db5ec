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
