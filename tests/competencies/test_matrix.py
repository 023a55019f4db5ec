"""The matrix answers in a fixed number of queries, whatever the number of officials."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.agencies.models import Assignment, Official, PositionKind
from lms.competencies.models import CompetencyRecord
from lms.core.models import Role

TODAY = timezone.localdate()
KINDS = [PositionKind.SPECIALIST, PositionKind.ISO_SECRETARY, PositionKind.INTERNAL_AUDITOR]


def _populate(agency, framework, count: int) -> None:
    """``count`` officials in ``agency`` with mixed posts and records (met, expiring, lapsed)."""
    officials = Official.objects.bulk_create(
        Official(full_name=f"Cán bộ {agency.pk}-{n:05d}") for n in range(count)
    )
    Assignment.objects.bulk_create(
        Assignment(
            official=o,
            agency=agency,
            position_kind=KINDS[n % len(KINDS)],
            start_date=datetime.date(2024, 1, 1),
        )
        for n, o in enumerate(officials)
    )
    until = [None, TODAY + datetime.timedelta(days=30), TODAY - datetime.timedelta(days=3)]
    CompetencyRecord.objects.bulk_create(
        CompetencyRecord(
            official=o,
            competency=framework["awareness"],
            held=n % 3 != 2,
            valid_until=until[n % 3],
        )
        for n, o in enumerate(officials)
    )


def _queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("export", [False, True], ids=["page", "xlsx"])
def test_50_and_500_officials_cost_the_same_queries(
    export, client, make_user, tree, framework, django_assert_max_num_queries
):
    small, large = tree["commune_a1"], tree["commune_a2"]
    _populate(small, framework, 50)
    _populate(large, framework, 500)
    user = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"], username="dem")
    client.force_login(user)
    name = "competencies:matrix_xlsx" if export else "competencies:matrix"
    small_url = reverse(name, kwargs={"pk": small.pk})
    large_url = reverse(name, kwargs={"pk": large.pk})
    _queries(client, small_url)  # warm the session and role caches alike for both
    with django_assert_max_num_queries(14):
        client.get(large_url)
    assert _queries(client, small_url) == _queries(client, large_url)
    filtered = {"position": PositionKind.ISO_SECRETARY, "page": "2"}
    assert _queries(client, small_url, filtered) == _queries(client, large_url, filtered)


def test_the_summary_counts_the_whole_scope_not_the_page(client, make_user, tree, framework):
    _populate(tree["commune_a2"], framework, 500)
    user = make_user(role=Role.ISO_SECRETARY, agency=tree["commune_a2"], username="dem2")
    client.force_login(user)
    response = client.get(reverse("competencies:matrix", kwargs={"pk": tree["commune_a2"].pk}))
    assert len(response.context["rows"]) == 50, "paginated"
    awareness = next(c for c in response.context["summary"] if c.competency.code == "NHAN-THUC")
    # 500 posted + the secretary's own post; records cycle met / expiring / lapsed.
    assert (awareness.required, awareness.met, awareness.expiring) == (501, 167, 167)
    assert awareness.missing == 167
