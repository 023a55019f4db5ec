"""Reads over the agency tree and the officials in it."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from .models import Agency, Assignment, Official, Succession


def official_for_user(user) -> Official | None:
    """The official record behind a login, or None (admins may have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Official.objects.filter(user=user).first()


def current_assignment(official: Official, *, on: datetime.date | None = None) -> Assignment | None:
    """The official's main post on a day: the latest started assignment still open then."""
    day = on or datetime.date.today()
    return (
        Assignment.objects.filter(official=official, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("agency")
        .order_by("-start_date", "-pk")
        .first()
    )


def subtree(agency: Agency) -> QuerySet[Agency]:
    """The agency and everything under it (a path-prefix match, one indexed query)."""
    return Agency.objects.filter(path__startswith=agency.path)


def lineage_paths(agency: Agency) -> list[str]:
    """Path prefixes whose records roll up into ``agency``: its subtree plus, transitively,
    the subtrees of every agency that was succeeded by something inside it."""
    prefixes = {agency.path}
    frontier = {agency.path}
    while frontier:
        q = Q()
        for prefix in frontier:
            q |= Q(successor__path__startswith=prefix)
        found = set(Succession.objects.filter(q).values_list("predecessor__path", flat=True))
        new = {p for p in found if not any(p.startswith(known) for known in prefixes)}
        prefixes |= new
        frontier = new
    # Keep only the outermost prefixes.
    return sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))


def lineage_q(agency: Agency, *, field: str = "agency") -> Q:
    """Filter for records whose ``field`` lies under ``agency`` now or under its predecessors."""
    q = Q()
    for prefix in lineage_paths(agency):
        q |= Q(**{f"{field}__path__startswith": prefix})
    return q
