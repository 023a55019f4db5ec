"""An agency page lists its units a page at a time (a province has up to ~160 communes):
numbered links keeping the officials' page and history switch, a cost that does not grow."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.agencies.models import AgencyKind
from lms.core.models import Role
from tests.factories.agencies import AgencyFactory, AssignmentFactory

pytestmark = pytest.mark.django_db


def _units(province, start, count):
    for index in range(start, start + count):
        unit = AgencyFactory(
            parent=province, kind=AgencyKind.COMMUNE, code=f"6{index:04d}", name=f"Xã {index:03d}"
        )
        AssignmentFactory(agency=unit)


def _get(client, url, params=None):
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response


def test_units_are_paged_at_a_fixed_cost(client, make_user, tree):
    province = tree["province_a"]
    client.force_login(make_user(role=Role.ISO_SECRETARY, agency=province))
    url = reverse("agencies:agency_detail", args=[province.pk])
    small, response = _get(client, url)
    before = len(response.context["children"])
    assert 'aria-label="Các trang đơn vị trực thuộc"' not in response.content.decode()
    _units(province, 0, 120)
    large, response = _get(client, url, {"units_page": "2", "history": "1"})
    assert large == small
    page = response.context["children_page"]
    assert page.number == 2 and page.paginator.count == before + 120
    assert len(response.context["children"]) == 50
    html = response.content.decode()
    nav = html.split('aria-label="Các trang đơn vị trực thuộc"')[1].split("</nav>")[0]
    assert re.search(r'href="\?history=1&amp;units_page=2" aria-current="page"', nav)
    assert 'href="?history=1&amp;units_page=3"' in nav and nav.count("aria-current") == 1
    # The officials' pages keep the units' page and the history switch.
    officials_nav = html.split('aria-label="Phân trang"')[1].split("</nav>")[0]
    assert 'href="?history=1&amp;units_page=2&amp;page=2" rel="next"' in officials_nav


def test_the_officials_page_number_is_kept_by_the_unit_links(client, make_user, tree):
    province = tree["province_a"]
    _units(province, 0, 60)
    client.force_login(make_user(role=Role.ISO_SECRETARY, agency=province))
    url = reverse("agencies:agency_detail", args=[province.pk])
    html = client.get(url, {"page": "2"}).content.decode()
    assert 'href="?page=2&amp;units_page=2"' in html
    # Junk page numbers give a page, never an error or the value echoed.
    response = client.get(url, {"units_page": '"><script>', "page": "x" * 5000})
    assert response.status_code == 200 and "<script>" not in response.content.decode()
