"""Reads over the agency tree and the officials in it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db.models import Case, Q, QuerySet, When

from lms.core.text import fold

from .models import (
    TERRITORIAL_KINDS,
    Agency,
    AgencyChangeRequest,
    Assignment,
    ChangeRequestStatus,
    Official,
    Succession,
)


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


def _active_q(day: datetime.date | None, prefix: str = "") -> Q:
    if day is None:
        return Q()
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _under_q(paths, field: str = "agency") -> Q:
    q = Q()
    for prefix in paths:
        q |= Q(**{f"{field}__path__startswith": prefix})
    return q


def officials_under(
    agency: Agency, *, on: datetime.date | None = None, paths: list[str] | None = None
) -> QuerySet[Official]:
    """Officials with a post anywhere in ``agency``'s lineage (its subtree and its predecessors').

    ``on`` limits to posts held that day; without it every post ever recorded counts, so the
    history of a merged unit rolls up into its successor.
    """
    paths = lineage_paths(agency) if paths is None else paths
    posts = Assignment.objects.filter(_under_q(paths)).filter(_active_q(on))
    return Official.objects.filter(pk__in=posts.values("official_id"))


def official_count_under(agency: Agency, *, on: datetime.date | None = None) -> int:
    return officials_under(agency, on=on).count()


def officials_in_subtree(agency: Agency, *, on: datetime.date | None = None) -> QuerySet[Official]:
    """Officials posted in the agency's own subtree only (no predecessors)."""
    posts = Assignment.objects.filter(agency__path__startswith=agency.path).filter(_active_q(on))
    return Official.objects.filter(pk__in=posts.values("official_id"))


def lineage_paths_many(agencies: list[Agency], *, max_rounds: int = 5) -> dict[int, list[str]]:
    """``lineage_paths`` for several agencies at once, in at most ``max_rounds`` queries."""
    result = {a.pk: {a.path} for a in agencies}
    if not agencies:
        return {}
    frontier = {a.path for a in agencies}
    edges: list[tuple[str, str]] = []
    for _round in range(max_rounds):
        if not frontier:
            break
        q = Q()
        for prefix in frontier:
            q |= Q(successor__path__startswith=prefix)
        found = list(
            Succession.objects.filter(q).values_list("predecessor__path", "successor__path")
        )
        known = {p for p, _s in edges}
        edges.extend(found)
        frontier = {p for p, _s in found if p not in known}
    for agency in agencies:
        prefixes = result[agency.pk]
        changed = True
        while changed:
            changed = False
            for predecessor, successor in edges:
                if predecessor not in prefixes and any(successor.startswith(p) for p in prefixes):
                    prefixes.add(predecessor)
                    changed = True
    return {
        pk: sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))
        for pk, prefixes in result.items()
    }


def official_counts(
    agencies: list[Agency],
    *,
    on: datetime.date | None = None,
    lineages: dict[int, list[str]] | None = None,
    summary: bool = True,
) -> dict[int, dict]:
    """Per agency: officials posted now in its subtree (``current``) and ever in its lineage
    (``lineage``); a fixed number of queries whatever the number of agencies. Today's counts
    come from the summary table while it is fresh (lms/agencies/counts.py): one query."""
    from django.db.models import Count

    from .counts import summary_counts

    if not agencies:
        return {}
    day = on or datetime.date.today()
    if summary and day == datetime.date.today():
        stored = summary_counts(agencies)
        if stored is not None:
            return _two_counts(stored)
    lineages = lineages or lineage_paths_many(agencies)
    aggregates = {}
    for agency in agencies:
        in_lineage = Q()
        for prefix in lineages[agency.pk]:
            in_lineage |= Q(agency__path__startswith=prefix)
        aggregates[f"lineage_{agency.pk}"] = Count("official", distinct=True, filter=in_lineage)
        aggregates[f"current_{agency.pk}"] = Count(
            "official",
            distinct=True,
            filter=Q(agency__path__startswith=agency.path) & _active_q(day),
        )
    any_prefix = Q()
    for prefixes in lineages.values():
        for prefix in prefixes:
            any_prefix |= Q(agency__path__startswith=prefix)
    totals = Assignment.objects.filter(any_prefix).aggregate(**aggregates)
    return {
        a.pk: {"current": totals[f"current_{a.pk}"] or 0, "lineage": totals[f"lineage_{a.pk}"] or 0}
        for a in agencies
    }


def agency_match_q(query: str) -> Q:
    """Agencies whose name holds every word of ``query`` (accents and case aside: "bac giang"
    finds "Phường Bắc Giang"), or whose administrative code starts with it."""
    words = fold(query).split()
    if not words:
        return Q(pk__in=[])
    by_name = Q()
    for word in words[:8]:
        by_name &= Q(name_folded__contains=word)
    return by_name | Q(code__startswith=query.strip())


def _two_counts(stored: dict[int, dict]) -> dict[int, dict]:
    return {pk: {"current": c["current"], "lineage": c["lineage"]} for pk, c in stored.items()}


def agencies_visible(user, roles, *, query: str = "") -> QuerySet[Agency]:
    """The roots of the user's scope (provinces for admins), or agencies matching ``query``
    anywhere inside the scope."""
    from lms.core.access import EVERYWHERE, scope_paths

    prefixes = scope_paths(user, *roles)
    if not prefixes:
        return Agency.objects.none()
    everywhere = EVERYWHERE in prefixes
    within = Q()
    if not everywhere:
        for prefix in prefixes:
            within |= Q(path__startswith=prefix)
    if query:
        matches = Agency.objects.filter(within, agency_match_q(query))
        return matches.order_by("depth", "name", "path")
    if everywhere:
        return Agency.objects.filter(depth=1).order_by("path")
    return Agency.objects.filter(path__in=prefixes).order_by("path")


def children_ordered(agency: Agency) -> QuerySet[Agency]:
    """The agency's children: agencies (committee, departments) before the territorial units
    under them, each group in tree order."""
    territorial = Case(When(kind__in=TERRITORIAL_KINDS, then=1), default=0)
    return agency.get_children().order_by(territorial, "path")


def agency_overview(
    agency: Agency,
    *,
    viewer_paths=(),
    children_page=None,
    children_per_page: int = 50,
    children_keep=None,
) -> dict:
    """What the agency page shows besides its officials: place in the tree, one page of its
    children (``children_page``: the page number asked), successions and the official counts
    (a fixed number of queries, whatever the number of children)."""
    from lms.core.pagination import paginate

    from .counts import summary_counts

    today = datetime.date.today()
    ancestors = list(agency.get_ancestors())
    page = paginate(
        children_ordered(agency),
        children_per_page,
        children_page,
        param="units_page",
        keep=children_keep,
    )
    children = list(page.object_list)
    lineages = lineage_paths_many([agency, *children])
    stored = summary_counts([agency, *children])
    if stored is None:
        counts = official_counts([agency, *children], on=today, lineages=lineages, summary=False)
        current_in_lineage = officials_under(agency, on=today, paths=lineages[agency.pk]).count()
    else:
        counts = _two_counts(stored)
        current_in_lineage = stored[agency.pk]["current_in_lineage"]
    successions_in = list(
        Succession.objects.filter(successor=agency)
        .select_related("predecessor")
        .order_by("date", "pk")
    )
    successions_out = list(
        Succession.objects.filter(predecessor=agency)
        .select_related("successor")
        .order_by("date", "pk")
    )

    def visible(other: Agency) -> bool:
        return any(other.path.startswith(p) for p in viewer_paths)

    return {
        "agency": agency,
        "ancestors": [(a, visible(a)) for a in ancestors],
        "children": [(c, counts[c.pk], visible(c)) for c in children],
        "children_page": page,
        "successions_in": [(s, visible(s.predecessor)) for s in successions_in],
        "successions_out": [(s, visible(s.successor)) for s in successions_out],
        "counts": counts[agency.pk],
        "current_in_lineage": current_in_lineage,
        "lineage_paths": lineages[agency.pk],
    }


def posts_under(
    agency: Agency, *, on: datetime.date | None = None, paths: list[str] | None = None
) -> QuerySet[Assignment]:
    """Posts in the agency's lineage (held on ``on``, or all ever), with official and agency."""
    paths = lineage_paths(agency) if paths is None else paths
    return (
        Assignment.objects.filter(_under_q(paths))
        .filter(_active_q(on))
        .select_related("official__user", "agency")
        .order_by("official__full_name", "official_id", "-start_date")
    )


def change_requests_for(user) -> QuerySet[AgencyChangeRequest]:
    """Pending requests a secretary may decide: the current or requested agency in scope."""
    from lms.core.access import scope_q
    from lms.core.models import Role

    requests = AgencyChangeRequest.objects.filter(
        scope_q(user, Role.ISO_SECRETARY, field="agency")
        | scope_q(user, Role.ISO_SECRETARY, field="current_agency"),
        status=ChangeRequestStatus.PENDING,
    )
    return requests.select_related("official", "agency", "current_agency").order_by("created_at")


def officials_for_accounts(
    agency: Agency, *, ids: Iterable[int], paths: Sequence[str]
) -> list[Official]:
    """Those of ``ids`` who hold a post today under ``agency`` and inside ``paths``."""
    if not paths:
        return []
    posts = Assignment.objects.filter(
        _active_q(datetime.date.today()), agency__path__startswith=agency.path
    ).filter(_under_q(paths))
    return list(
        Official.objects.filter(pk__in=list(ids))
        .filter(pk__in=posts.values("official_id"))
        .order_by("pk")
    )
