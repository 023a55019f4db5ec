"""Per-agency official counts kept in a summary table, so agency pages do not count at request time.

Invariants (tests/agencies/test_counts.py):

- ``AgencyCount`` holds, for every agency, the officials posted in its subtree today
  (``current``), ever in its lineage (``lineage``: its subtree and its predecessors') and today in
  its lineage (``current_in_lineage``), as computed by ``agency_counts_refresh``.
- The table is read only while it is fresh: the refresh ran today and no post or succession
  changed since it started. Each change bumps a generation in the shared cache once its
  transaction commits and, when a summary exists, queues a refresh (one at a time); the
  refresh records the generation it started from. A stale table, or a cache that lost the
  generation, falls back to counting in SQL: slower, never wrong. The beat task refreshes
  every night (dates move on).
- The refresh counts every agency in one query per tree level, plus the lineage of the few
  agencies with predecessors; readers use one query whatever the data size.
"""

from __future__ import annotations

import datetime
import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from .models import Agency, AgencyCount, Assignment, Succession

logger = logging.getLogger(__name__)

GENERATION_KEY = "agencies:counts:generation"
FRESH_KEY = "agencies:counts:fresh"
QUEUED_KEY = "agencies:counts:queued"
REFRESH_DELAY = 30  # seconds: changes made meanwhile are counted by the same refresh


def _active(day: datetime.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def counts_changed(**_kwargs) -> None:
    """Signal receiver: posts or successions changed; the summary is stale once this commits."""
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation in the cache: stale until the next refresh anyway
        pass
    if cache.get(FRESH_KEY) is None:
        return  # no summary to keep current: the nightly refresh (or the command) builds it
    if cache.add(QUEUED_KEY, 1, timeout=REFRESH_DELAY * 10):
        from .tasks import refresh_agency_counts

        try:
            refresh_agency_counts.apply_async(countdown=REFRESH_DELAY)
        except Exception:  # broker down: the nightly refresh catches up
            logger.warning("agency counts refresh not queued", exc_info=True)


def summary_is_fresh(day: datetime.date | None = None) -> bool:
    day = day or timezone.localdate()
    found = cache.get_many([GENERATION_KEY, FRESH_KEY])
    fresh = found.get(FRESH_KEY)
    return (
        fresh is not None
        and GENERATION_KEY in found
        and fresh["generation"] == found[GENERATION_KEY]
        and fresh["day"] == day.isoformat()
    )


def summary_counts(agencies: list[Agency]) -> dict[int, dict] | None:
    """The stored counts of ``agencies`` (one query), or None when the summary is stale."""
    if not summary_is_fresh():
        return None
    rows = {
        row.agency_id: row
        for row in AgencyCount.objects.filter(agency__in=[a.pk for a in agencies])
    }
    result = {}
    for agency in agencies:
        row = rows.get(agency.pk)
        if row is None:  # an agency added after the refresh: count it the slow way
            return None
        result[agency.pk] = {
            "current": row.current,
            "lineage": row.lineage,
            "current_in_lineage": row.current_in_lineage,
        }
    return result


def _by_level(posts, depths: range) -> dict[str, int]:
    """Distinct officials of ``posts`` per path prefix, one query per tree level."""
    found: dict[str, int] = {}
    for depth in depths:
        rows = (
            posts.filter(agency__depth__gte=depth)
            .annotate(prefix=Substr("agency__path", 1, Agency.steplen * depth))
            .values("prefix")
            .annotate(n=Count("official_id", distinct=True))
            .values_list("prefix", "n")
        )
        found.update(rows)
    return found


def agency_counts_refresh(*, today: datetime.date | None = None) -> int:
    """Recount every agency into ``AgencyCount``; returns how many agencies were counted."""
    from .selectors import lineage_paths_many, official_counts, officials_under

    cache.delete(QUEUED_KEY)
    today = today or timezone.localdate()
    if cache.add(GENERATION_KEY, 0, timeout=None):
        generation = 0
    else:
        generation = cache.get(GENERATION_KEY, 0)
    max_depth = Agency.objects.order_by("-depth").values_list("depth", flat=True).first() or 0
    depths = range(1, max_depth + 1)
    current = _by_level(Assignment.objects.filter(_active(today)), depths)
    ever = _by_level(Assignment.objects.all(), depths)
    agencies = list(Agency.objects.only("id", "path", "depth"))
    # Agencies whose lineage reaches outside their subtree: successors and their ancestors.
    extended_paths = set()
    for path in Succession.objects.values_list("successor__path", flat=True):
        for depth in range(1, len(path) // Agency.steplen + 1):
            extended_paths.add(path[: depth * Agency.steplen])
    extended = [a for a in agencies if a.path in extended_paths]
    special: dict[int, dict] = {}
    for start in range(0, len(extended), 50):
        chunk = extended[start : start + 50]
        lineages = lineage_paths_many(chunk)
        counts = official_counts(chunk, on=today, lineages=lineages, summary=False)
        for agency in chunk:
            special[agency.pk] = {
                **counts[agency.pk],
                "current_in_lineage": officials_under(
                    agency, on=today, paths=lineages[agency.pk]
                ).count(),
            }
    rows = []
    for agency in agencies:
        if agency.pk in special:
            values = special[agency.pk]
        else:
            now = current.get(agency.path, 0)
            values = {
                "current": now,
                "lineage": ever.get(agency.path, 0),
                "current_in_lineage": now,
            }
        rows.append(AgencyCount(agency_id=agency.pk, computed_on=today, **values))
    with transaction.atomic():
        AgencyCount.objects.all().delete()
        AgencyCount.objects.bulk_create(rows, batch_size=2000)
    cache.set(FRESH_KEY, {"generation": generation, "day": today.isoformat()}, timeout=None)
    return len(rows)
