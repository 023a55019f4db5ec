"""Writes of the reports app: the summary tables and the background exports."""

from __future__ import annotations

import datetime
import json
import logging
import threading
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from lms.agencies.models import Agency, Assignment
from lms.core import commit

from .figures import METRICS, Resolver, compute_rows
from .models import AgencySummary, ExportJob, PendingRefresh

logger = logging.getLogger(__name__)

BATCH = 200  # agencies rebuilt per transaction by the full refresh
PENDING_CHUNK = 2000  # marks taken per transaction by the task
READ_LIMIT = 2000  # marks processed before a dashboard is read; the rest is left to the task
NUDGE_KEY = "reports:refresh-queued"
NUDGE_DELAY = 5  # seconds: the task runs at most this often per burst of changes


def _lock(targets: set[int]) -> None:
    """Lock the agencies whose rows are about to be rebuilt (PostgreSQL; SQLite writes one at a
    time anyway): a second rebuild of the same agency waits, then computes from what the first
    committed, instead of both deleting the old rows and each inserting its own. FOR NO KEY
    UPDATE does not hold back the writes of records that merely point at the agencies."""
    list(
        Agency.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(targets))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _save_rows(rows, targets: set[int], today: datetime.date) -> int:
    AgencySummary.objects.filter(agency_id__in=sorted(targets)).delete()
    if connection.vendor == "postgresql":
        # COPY: a full refresh writes hundreds of thousands of rows at national scale.
        fields = ("agency_id", "position_kind", "competency_id", "course_id", "month")
        columns = ", ".join(fields + ("computed_on",) + METRICS)
        table = connection.ops.quote_name(AgencySummary._meta.db_table)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    key = row.key
                    copy.write_row(
                        (
                            key.agency_id,
                            key.position_kind,
                            key.competency_id,
                            key.course_id,
                            key.month,
                            today,
                        )
                        + tuple(row.values[metric] for metric in METRICS)
                    )
        return len(rows)
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
    """Rebuild the summary rows of ``agency_ids`` (every agency when None, in batches, then the
    pending marks it covers go); returns the number of rows written. Safe to run twice and at
    once: an agency's rows are replaced together, under a lock on the agency."""
    today = today or timezone.localdate()
    if agency_ids is not None:
        targets = set(agency_ids)
        with transaction.atomic():
            _lock(targets)
            return _save_rows(compute_rows(day=today, targets=targets), targets, today)
    # Every mark written so far is covered by this refresh: its change committed before.
    covered = PendingRefresh.objects.aggregate(last=Max("pk"))["last"]
    ids = list(Agency.objects.order_by("path").values_list("pk", flat=True))
    written = 0
    with transaction.atomic():
        # Rows of agencies deleted since the last run go too.
        AgencySummary.objects.exclude(agency_id__in=Agency.objects.values("pk")).delete()
    for start in range(0, len(ids), BATCH):
        targets = set(ids[start : start + BATCH])
        with transaction.atomic():
            _lock(targets)
            written += _save_rows(compute_rows(day=today, targets=targets), targets, today)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    if covered is not None:
        PendingRefresh.objects.filter(pk__lte=covered).delete()

    if connection.vendor == "postgresql":
        # Fresh statistics: the dashboards' grouped sums plan on the real number of rows.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(AgencySummary._meta.db_table)}")
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


_pending = threading.local()


def summaries_mark_stale(
    *,
    officials: Iterable[int] = (),
    agencies: Iterable[int] = (),
    registrations: Iterable[int] = (),
    everything: bool = False,
) -> None:
    """Note that the agencies of these officials (their open posts), these agencies and those of
    these registrations are to be rebuilt once the current transaction commits. No query here:
    signal receivers call it on every save. The first callback to run takes everything marked
    so far, so a transaction that changes many records writes one ``PendingRefresh`` row (a mark
    rolled back goes with the next commit: harmless)."""
    waiting = getattr(_pending, "marks", None)
    if waiting is None:
        waiting = _pending.marks = {"officials": set(), "agencies": set(), "registrations": set()}
    if everything:
        waiting["everything"] = {True}
    waiting["officials"].update(pk for pk in officials if pk is not None)
    waiting["agencies"].update(pk for pk in agencies if pk is not None)
    waiting["registrations"].update(pk for pk in registrations if pk is not None)
    transaction.on_commit(_flush)


def _flush() -> None:
    """Once the transaction has committed: write its marks as one row (one INSERT, no read) and
    nudge the worker. Nothing is computed here, whether Celery runs eagerly or not: the rows are
    rebuilt by ``summaries_refresh_pending``, run by the task, by beat every minute and before
    any dashboard or export is read.

    Why after the commit rather than inside the transaction: Django has no hook that runs just
    before a commit, so writing in the transaction would mean one INSERT (or UPDATE) per signal
    instead of one per transaction, and the receivers fire on every save of a bulk change. The
    cost is a narrow window: a process that dies between its commit and this INSERT loses the
    mark, and the nightly full refresh (``refresh_all_summaries``) repairs it. A database error
    here is logged, not raised: the change itself is committed and the user must not see it fail.
    A hot path that ends its own atomic block writes the marks inside it instead
    (``lms.core.commit.write_pending``, ``summaries_write_marks_now``): then nothing is left here.
    """
    marks = _take_marks()
    if marks is None:
        return
    try:
        _write_marks(marks)
    except DatabaseError:
        logger.exception("Reports: could not record the agencies to refresh; nightly will.")
        return
    _nudge()


def _take_marks() -> dict | None:
    marks = getattr(_pending, "marks", None)
    if not marks or not any(marks.values()):
        return None
    _pending.marks = None
    return marks


def _write_marks(marks: dict) -> None:
    PendingRefresh.objects.create(
        officials=sorted(marks["officials"]),
        agencies=sorted(marks["agencies"]),
        registrations=sorted(marks["registrations"]),
        everything=bool(marks.get("everything")),
    )


def summaries_write_marks_now() -> None:
    """Registered with ``lms.core.commit``: inside a transaction about to commit, write the marks
    noted so far as part of it (they commit or roll back with the change; nothing is left for
    ``_flush``). A hot path ending its own atomic block saves a write transaction this way (the
    QR check-in: one commit instead of two)."""
    marks = _take_marks()
    if marks is None:
        return
    _write_marks(marks)
    transaction.on_commit(_nudge)


def summaries_note(
    *,
    officials: Iterable[int] = (),
    agencies: Iterable[int] = (),
    registrations: Iterable[int] = (),
) -> commit.Note:
    """The pending mark of these ids as SQL for a statement that saves a row on its own
    (``lms.core.commit.register_saved``): the ``PendingRefresh`` row ``_write_marks`` would
    insert, and the nudge once it is committed."""
    opts = PendingRefresh._meta
    qn = connection.ops.quote_name
    columns = ", ".join(
        qn(opts.get_field(name).column)
        for name in ("created_at", "officials", "agencies", "registrations", "everything")
    )
    ids = [sorted({pk for pk in group if pk is not None}) for group in (officials, agencies)]
    ids.append(sorted({pk for pk in registrations if pk is not None}))
    return commit.Note(
        sql=(
            f"INSERT INTO {qn(opts.db_table)} ({columns})"
            " SELECT %s, %s::jsonb, %s::jsonb, %s::jsonb, false"
        ),
        params=(timezone.now(), *(json.dumps(group) for group in ids)),
        after=_nudge,
    )


def _nudge() -> None:
    """With a broker (not eager): queue the refresh task, at most once per ``NUDGE_DELAY``
    seconds, to run after that delay (a burst of check-ins costs one task). Best effort: with
    Redis or the broker down the request answers, the key set before the failure keeps the next
    requests from waiting on the broker again for a while, and beat processes the marks."""
    from lms.celery import app

    if app.conf.task_always_eager:
        return
    from .tasks import refresh_pending

    try:
        if cache.add(NUDGE_KEY, 1, timeout=NUDGE_DELAY):
            refresh_pending.apply_async(countdown=NUDGE_DELAY)
    except Exception:  # noqa: BLE001 - Redis or the broker down must not fail a committed request
        logger.warning(
            "Reports: could not queue the summary refresh; beat will run it.", exc_info=True
        )


def summaries_refresh_pending(*, limit: int = PENDING_CHUNK, full: bool = True) -> int:
    """Rebuild the agencies of up to ``limit`` pending marks (oldest first) and delete these
    marks in the same transaction; returns how many marks were processed (0: none waiting).

    Safe to run twice and at once: on PostgreSQL the marks are locked with SKIP LOCKED, so two
    runs take different marks; two runs that rebuild the same agency are serialised by the lock
    ``summaries_refresh`` takes on its agencies, the second recomputing from what is committed.
    Marks written meanwhile are not among those taken and stay for the next run; an error
    rolls back the rebuild and leaves the marks. A mark asking for every agency runs the full
    refresh, which deletes every mark written before it started; with ``full=False`` (a web
    request, when a worker is there to do it) such marks are left to the task: at national scale
    a full refresh takes minutes, and bulk work never runs in a request."""
    pending = (
        PendingRefresh.objects.all() if full else PendingRefresh.objects.filter(everything=False)
    )
    if not pending.exists():  # the common case, without a write transaction
        return 0
    with transaction.atomic():
        marks = list(pending.select_for_update(skip_locked=True).order_by("pk")[:limit])
        if not marks:
            return 0
        if not any(mark.everything for mark in marks):
            summaries_refresh_stale(
                officials={pk for mark in marks for pk in mark.officials},
                agencies={pk for mark in marks for pk in mark.agencies},
                registrations={pk for mark in marks for pk in mark.registrations},
            )
            PendingRefresh.objects.filter(pk__in=[mark.pk for mark in marks]).delete()
            return len(marks)
    summaries_refresh()  # in batches of its own; it deletes the marks taken here, and older
    return len(marks)


def summaries_refresh_stale(*, officials=(), agencies=(), registrations=()) -> int:
    """Find the agencies concerned by these marks and rebuild their rows."""
    from lms.training.models import Registration

    officials = set(officials)
    agency_ids = set(agencies)
    for official_id, agency_id in Registration.objects.filter(
        pk__in=list(registrations)
    ).values_list("official_id", "agency_id"):
        officials.add(official_id)
        agency_ids.add(agency_id)
    today = timezone.localdate()
    resolver = Resolver(today)
    targets = agencies_of_officials(officials, today=today)
    for agency_id, path in Agency.objects.filter(pk__in=list(agency_ids)).values_list("pk", "path"):
        targets.add(resolver.resolve(agency_id, path)[0])
    if not targets:
        return 0
    return summaries_refresh(agency_ids=targets, today=today)


EXPORT_LIFETIME = datetime.timedelta(hours=24)
EXPORT_REPORTS = (
    "coverage",
    "months",
    "below",
    "officials",
    "untrained",
    "expiring",
    "sessions",
    "clauses",
)


def exports_purge(*, now=None) -> int:
    """Delete expired exports and their files."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lte=now):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count


def export_job_create(*, agency: Agency, by, params: dict) -> ExportJob:
    """Queue the whole dashboard of ``agency`` as one workbook, for ``by`` only."""
    exports_purge()
    job = ExportJob(
        requested_by=by,
        agency=agency,
        params=params,
        total=len(EXPORT_REPORTS),
        expires_at=timezone.now() + EXPORT_LIFETIME,
    )
    job.full_clean()
    job.save()
    from .tasks import run_export

    transaction.on_commit(lambda: run_export.delay(job.pk))
    return job


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build the workbook sheet by sheet, saving progress after each; a second delivery of the
    task finds the job taken and stops."""
    import io

    from django.core.files.base import ContentFile
    from openpyxl import Workbook

    from .formatters import add_sheet
    from .forms import filters_from
    from .reports import REPORTS

    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ExportJob.Status.QUEUED:
            return job
        job.status = ExportJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        summaries_refresh_pending(limit=READ_LIMIT)  # the workbook shows the current figures
        filters, _errors = filters_from(job.params)
        workbook = Workbook()
        for index, slug in enumerate(EXPORT_REPORTS):
            report = REPORTS[slug](job.agency, filters, job.params)
            add_sheet(workbook, report, first=index == 0)
            job.done = index + 1
            job.save(update_fields=["done"])
        out = io.BytesIO()
        workbook.save(out)
        name = f"dashboard-{job.agency_id}-{timezone.localdate():%Y%m%d}-{job.pk}.xlsx"
        job.file.save(name, ContentFile(out.getvalue()), save=False)
        job.status = ExportJob.Status.DONE
        job.save(update_fields=["file", "status"])
    except Exception:
        job.status = ExportJob.Status.FAILED
        job.save(update_fields=["status"])
        raise
    return job
