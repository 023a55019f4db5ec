"""Agency searches fold accents and case like every other search (Official.name_folded too)."""

import pytest
from django.urls import reverse

from lms.agencies import services
from lms.agencies.models import Agency, AgencyKind
from lms.core.models import Role
from tests.factories.agencies import AgencyFactory


@pytest.fixture
def bac_giang(tree):
    ward = AgencyFactory(
        parent=tree["province_a"], kind=AgencyKind.WARD, code="91003", name="Phường Bắc Giang"
    )
    AgencyFactory(
        parent=tree["province_b"], kind=AgencyKind.WARD, code="92003", name="Phường Bắc Giang Hai"
    )
    AgencyFactory(
        parent=tree["province_a"], kind=AgencyKind.WARD, code="91004", name="Phường Đa Mai"
    )
    return ward


def test_the_folded_name_follows_the_name(bac_giang):
    assert bac_giang.name_folded == "phuong bac giang"
    bac_giang.name = "Phường Đông Bắc Giang"
    bac_giang.save(update_fields=["name"])
    bac_giang.refresh_from_db()
    assert bac_giang.name_folded == "phuong dong bac giang"
    # Agencies added in bulk (the units loader) get it too.
    (added,) = services.agencies_bulk_add(
        parent=bac_giang, nodes=[Agency(kind=AgencyKind.OTHER, name="Tổ Đảm bảo chất lượng")]
    )
    assert Agency.objects.get(pk=added.pk).name_folded == "to dam bao chat luong"


@pytest.mark.parametrize("query", ["Bac Giang", "bac giang", "BẮC  giang", "bắc giang"])
def test_agency_list_finds_accented_names_from_plain_letters(
    client, make_user, tree, bac_giang, query
):
    viewer = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    client.force_login(viewer)
    response = client.get(reverse("agencies:agency_list"), {"q": query})
    names = [agency.name for agency, _count in response.context["rows"]]
    # Province B's ward is outside the scope; "Đa Mai" does not hold the words.
    assert names == ["Phường Bắc Giang"]
    assert client.get(reverse("agencies:agency_list"), {"q": "da mai"}).context["rows"][0][
        0
    ].name == ("Phường Đa Mai")
    # The code still finds an agency by its start.
    response = client.get(reverse("agencies:agency_list"), {"q": "91003"})
    assert [agency.name for agency, _count in response.context["rows"]] == ["Phường Bắc Giang"]


def test_session_form_picker_folds_too(client, make_user, tree, bac_giang):
    trainer = make_user(role=Role.TRAINER, agency=tree["province_a"])
    client.force_login(trainer)
    found = client.get(reverse("training:agency_search"), {"q": "bac giang"}).json()["results"]
    assert [r["name"] for r in found] == ["Phường Bắc Giang"]
    found = client.get(reverse("training:agency_search"), {"q": "%%"}).json()["results"]
    assert found == []
