"""A province with ~100+ communes: its dashboard lists them a page at a time (numbered links that
keep the filters, the current page marked), at a cost that does not grow with their number,
while the total and the exports keep every row."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.agencies.models import AgencyKind
from lms.core.models import Role
from tests.factories.agencies import AgencyFactory, AssignmentFactory

pytestmark = pytest.mark.django_db


def _communes(province, start, count):
    for index in range(start, start + count):
        commune = AgencyFactory(
            parent=province, kind=AgencyKind.COMMUNE, code=f"{index:05d}", name=f"Xã {index:03d}"
        )
        if index % 10 == 0:
            AssignmentFactory(agency=commune)


@pytest.fixture
def province(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return AgencyFactory(kind=AgencyKind.PROVINCE, code="77", name="Tỉnh Rộng")


@pytest.fixture
def steering(make_user, province):
    outside = AgencyFactory(kind=AgencyKind.PROVINCE, code="78", name="Tỉnh Bên")
    return make_user(role=Role.STEERING, agency=province, official_agency=outside)


def _queries(client, url, params=None):
    client.get(url, params)  # caches warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response


def test_dashboard_pages_the_communes_at_a_fixed_cost(
    client, steering, province, django_capture_on_commit_callbacks
):
    client.force_login(steering)
    url = reverse("reports:dashboard", args=[province.pk])
    with django_capture_on_commit_callbacks(execute=True):
        _communes(province, 0, 3)
    small, response = _queries(client, url)
    assert len(response.context["lines"].object_list) == 3
    assert 'class="pagination"' not in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _communes(province, 3, 117)
    large, response = _queries(client, url, {"position_kind": "specialist", "page": "2"})
    assert large == small
    html = response.content.decode()
    rows = re.findall(r'<tr data-agency="(\d+)">', html)
    assert len(rows) == 50
    assert "Xã 050" in html and "Xã 049" not in html and "Xã 100" not in html
    nav = html.split('<nav class="pagination"')[1].split("</nav>")[0]
    assert 'aria-label="' in nav
    assert re.search(r'href="\?position_kind=specialist&amp;page=2" aria-current="page"', nav)
    for number in (1, 3):
        assert f'href="?position_kind=specialist&amp;page={number}"' in nav
    assert nav.count('aria-current="page"') == 1
    # The total counts every commune, not the page.
    assert response.context["board"].total.officials == 12


def test_dashboard_page_number_out_of_range_or_junk(client, steering, province):
    _communes(province, 0, 60)
    client.force_login(steering)
    url = reverse("reports:dashboard", args=[province.pk])
    assert client.get(url, {"page": "999"}).context["lines"].number == 2
    assert client.get(url, {"page": "<script>"}).context["lines"].number == 1


def test_exports_hold_every_commune(client, steering, province):
    _communes(province, 0, 120)
    client.force_login(steering)
    url = reverse("reports:report", args=[province.pk, "coverage"])
    table = list(
        csv.reader(io.StringIO(client.get(url, {"format": "csv"}).content.decode("utf-8-sig")))
    )
    names = [row[0] for row in table[1:]]
    assert sum(name.startswith("Xã ") for name in names) == 120
