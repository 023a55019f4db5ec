"""The per-agency count summary (lms/agencies/counts.py): the same figures as a recount, read in
one query while fresh, and stale (so recounted) as soon as a post changes."""

import datetime

import pytest
from django.urls import reverse

from lms.agencies import selectors
from lms.agencies.counts import agency_counts_refresh, summary_counts, summary_is_fresh
from lms.agencies.models import AgencyCount, AgencyKind
from lms.core.models import Role
from tests.factories.agencies import AgencyFactory, AssignmentFactory, SuccessionFactory

OLD_END = datetime.date(2025, 6, 30)
NEW = datetime.date(2025, 7, 1)


@pytest.fixture
def merged(tree):
    """Old province X merged into A; its commune X1 into commune A1; posts old and new."""
    old = AgencyFactory(kind=AgencyKind.PROVINCE, code="93", name="Tỉnh Cũ X", valid_to=OLD_END)
    x1 = AgencyFactory(parent=old, kind=AgencyKind.COMMUNE, code="", name="Xã X1", valid_to=OLD_END)
    SuccessionFactory(predecessor=old, successor=tree["province_a"])
    SuccessionFactory(predecessor=x1, successor=tree["commune_a1"])
    gone = AssignmentFactory(agency=x1, start_date=datetime.date(2020, 1, 1), end_date=OLD_END)
    AssignmentFactory(official=gone.official, agency=tree["commune_a1"], start_date=NEW)
    AssignmentFactory(agency=x1, start_date=datetime.date(2020, 1, 1), end_date=OLD_END)
    AssignmentFactory(agency=tree["commune_a2"], start_date=NEW)
    AssignmentFactory(agency=tree["department"], start_date=NEW)
    AssignmentFactory(agency=tree["commune_b1"], start_date=NEW)
    AssignmentFactory(agency=tree["commune_b1"], start_date=NEW, end_date=datetime.date(2025, 9, 1))
    return tree


def _recount(agencies):
    return selectors.official_counts(agencies, summary=False)


def test_the_summary_agrees_with_a_recount(merged, django_assert_max_num_queries):
    agencies = list(
        merged[k]
        for k in (
            "province_a",
            "department",
            "commune_a1",
            "commune_a2",
            "province_b",
            "commune_b1",
        )
    )
    expected = _recount(agencies)
    assert summary_counts(agencies) is None  # never computed: the pages recount
    agency_counts_refresh()
    assert summary_is_fresh()
    with django_assert_max_num_queries(1):
        stored = summary_counts(agencies)
    for agency in agencies:
        assert {k: stored[agency.pk][k] for k in ("current", "lineage")} == expected[agency.pk]
        assert stored[agency.pk]["current_in_lineage"] == (
            selectors.officials_under(agency, on=datetime.date.today()).count()
        )
    assert stored[merged["province_a"].pk] == {"current": 3, "lineage": 4, "current_in_lineage": 3}
    assert stored[merged["commune_a1"].pk]["lineage"] == 2
    assert stored[merged["province_b"].pk] == {"current": 1, "lineage": 2, "current_in_lineage": 1}
    assert AgencyCount.objects.count() > len(agencies)  # every agency, the old ones too


def test_a_change_makes_it_stale_then_it_is_refreshed(merged, django_capture_on_commit_callbacks):
    agency_counts_refresh()
    a2 = merged["commune_a2"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        AssignmentFactory(agency=a2, start_date=NEW)
    assert summary_is_fresh()  # not committed yet: nothing changed for others
    for callback in callbacks:  # the commit: the generation moves, a refresh is queued (eager)
        callback()
    assert summary_is_fresh()
    assert summary_counts([a2])[a2.pk]["current"] == 2
    # Without the queued refresh the summary is stale and the selector recounts.
    from django.core.cache import cache

    cache.incr("agencies:counts:generation")
    assert not summary_is_fresh()
    assert selectors.official_counts([a2])[a2.pk] == {"current": 2, "lineage": 2}


def _pages(client, user, province):
    client.force_login(user)
    client.get(reverse("agencies:agency_list"))
    client.get(reverse("agencies:agency_detail", args=[province.pk]))


def test_agency_pages_use_a_fixed_number_of_queries(
    client, make_user, tree, django_assert_num_queries, django_capture_on_commit_callbacks
):
    admin = make_user(role=Role.ADMIN)
    province = tree["province_a"]
    communes = [
        AgencyFactory(parent=province, kind=AgencyKind.COMMUNE, code="", name=f"Xã {n}")
        for n in range(12)
    ]
    province.refresh_from_db()

    def measure():
        agency_counts_refresh()
        client.force_login(admin)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        sizes = []
        for url in (
            reverse("agencies:agency_list"),
            reverse("agencies:agency_detail", args=[province.pk]),
        ):
            client.get(url)  # the session and menus warm
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            sizes.append(len(queries))
        return sizes

    for commune in communes[:2]:
        AssignmentFactory(agency=commune, start_date=NEW)
    small = measure()
    for commune in communes:
        for _ in range(5):
            AssignmentFactory(agency=commune, start_date=NEW)
    large = measure()
    assert large == small, (small, large)
    html = client.get(reverse("agencies:agency_detail", args=[province.pk])).content.decode()
    assert "62" in html  # 2 + 12 × 5 officials now in the province, from the summary
