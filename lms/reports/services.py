"""Writes of the reports app: the summary tables and the background exports."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from lms.agencies.models import Agency, Assignment

from .figures import Resolver, compute_rows
from .models import AgencySummary

BATCH = 200  # agencies rebuilt per transaction by the full refresh


def _save_rows(rows, targets: set[int], today: datetime.date) -> int:
    AgencySummary.objects.filter(agency_id__in=sorted(targets)).delete()
    AgencySummary.objects.bulk_create(
        [
            AgencySummary(
                agency_id=row.key.agency_id,
                position_kind=row.key.position_kind,
                competency_id=row.key.competency_id,
                course_id=row.key.course_id,
                month=row.key.month,
                computed_on=today,
                **row.values,
            )
            for row in rows
        ],
        batch_size=1000,
    )
    return len(rows)


def summaries_refresh(
    *,
    agency_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the summary rows of ``agency_ids`` (every agency when None, in batches); returns
    the number of rows written. Safe to run twice: an agency's rows are replaced together."""
    today = today or timezone.localdate()
    if agency_ids is not None:
        targets = set(agency_ids)
        with transaction.atomic():
            return _save_rows(compute_rows(day=today, targets=targets), targets, today)
    ids = list(Agency.objects.order_by("path").values_list("pk", flat=True))
    written = 0
    with transaction.atomic():
        # Rows of agencies deleted since the last run go too.
        AgencySummary.objects.exclude(agency_id__in=Agency.objects.values("pk")).delete()
    for start in range(0, len(ids), BATCH):
        targets = set(ids[start : start + BATCH])
        with transaction.atomic():
            written += _save_rows(compute_rows(day=today, targets=targets), targets, today)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return written


def agencies_of_officials(official_ids: Iterable[int], *, today: datetime.date | None = None):
    """Where the officials' records count today: the agencies of their open posts, resolved."""
    today = today or timezone.localdate()
    resolver = Resolver(today)
    posts = Assignment.objects.filter(official_id__in=list(official_ids), start_date__lte=today)
    posts = posts.exclude(end_date__lt=today)
    return {
        resolver.resolve(agency_id, path)[0]
        for agency_id, path in posts.values_list("agency_id", "agency__path")
    }


def resolved_agency(agency_id: int | None, *, today: datetime.date | None = None) -> set[int]:
    if agency_id is None:
        return set()
    path = Agency.objects.filter(pk=agency_id).values_list("path", flat=True).first()
    if path is None:
        return set()
    return {Resolver(today or timezone.localdate()).resolve(agency_id, path)[0]}


_pending = threading.local()


def summaries_mark_stale(agency_ids: Iterable[int]) -> None:
    """Refresh these agencies' rows once the current transaction commits: the first callback
    to run takes every agency marked so far, so a transaction that changes many records queues
    one task (a rolled-back mark is refreshed with the next commit: harmless)."""
    ids = {pk for pk in agency_ids if pk is not None}
    if not ids:
        return
    waiting = getattr(_pending, "ids", None)
    if waiting is None:
        waiting = _pending.ids = set()
    waiting |= ids
    transaction.on_commit(_flush)


def _flush() -> None:
    found = getattr(_pending, "ids", None)
    if not found:
        return
    _pending.ids = set()
    from .tasks import refresh_summaries

    refresh_summaries.delay(sorted(found))
