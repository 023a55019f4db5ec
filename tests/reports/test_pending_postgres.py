"""Pending summary refreshes under real concurrency (PostgreSQL row locks)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from lms.reports.models import AgencySummary, PendingRefresh
from lms.reports.services import summaries_refresh, summaries_refresh_pending
from tests.factories.agencies import AgencyFactory, AssignmentFactory, OfficialFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def _rows(agency):
    return sorted(
        AgencySummary.objects.filter(agency=agency).values_list(
            "position_kind", "competency_id", "course_id", "month", "officials", "completions"
        ),
        key=repr,
    )


def test_a_mark_locked_by_another_run_is_skipped_not_waited_for():
    agency = AgencyFactory()
    first = PendingRefresh.objects.create(agencies=[agency.pk])
    taken, release = threading.Event(), threading.Event()

    def other_run():
        try:
            with transaction.atomic():
                list(PendingRefresh.objects.select_for_update().filter(pk=first.pk))
                taken.set()
                release.wait(30)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        holder = pool.submit(other_run)
        assert taken.wait(30)
        second = PendingRefresh.objects.create(agencies=[agency.pk])
        try:
            assert summaries_refresh_pending() == 1  # the second mark, without waiting
            assert list(PendingRefresh.objects.values_list("pk", flat=True)) == [first.pk]
        finally:
            release.set()
        holder.result()
    assert second.pk != first.pk
    assert summaries_refresh_pending() == 1
    assert not PendingRefresh.objects.exists()


def test_simultaneous_rebuilds_of_one_agency_leave_one_set_of_rows():
    agency = AgencyFactory()
    for _ in range(5):
        AssignmentFactory(official=OfficialFactory(), agency=agency)
    summaries_refresh(agency_ids=[agency.pk])
    expected = _rows(agency)
    assert sum(row[4] for row in expected) == 5
    start = threading.Barrier(8)

    def rebuild(_index):
        try:
            start.wait(30)
            return summaries_refresh(agency_ids=[agency.pk])
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        written = list(pool.map(rebuild, range(8)))
    assert len(set(written)) == 1
    assert _rows(agency) == expected  # each rebuild waited for the previous one: no duplicates
