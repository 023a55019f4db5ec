import pytest
from django.core.management import call_command

from lms.agencies.models import Agency, AgencyKind
from lms.agencies.services import units_load
from lms.agencies.units import Unit, data_source, official_units


def test_package_data_is_the_2025_list():
    units = official_units()
    assert len(units) == 34
    assert sum(len(u.children) for u in units) == 3321
    by_code = {u.code: u for u in units}
    assert by_code["01"].kind == AgencyKind.CITY
    assert by_code["24"].name == "Tỉnh Bắc Ninh"
    kinds = [c.kind for u in units for c in u.children]
    assert kinds.count(AgencyKind.SPECIAL_ZONE) == 13
    assert sum(1 for u in units if u.kind == AgencyKind.CITY) == 6
    assert data_source().startswith("vietnam-provinces 2025.10.1")


@pytest.mark.django_db
def test_load_units_counts_padding_and_idempotence(capsys):
    call_command("load_units")
    first = capsys.readouterr().out
    assert "3355 created" in first
    current = Agency.objects.filter(valid_to__isnull=True)
    assert current.filter(depth=1).count() == 34
    assert current.filter(depth=2).count() == 3321
    assert all(len(code) == 2 for code in current.filter(depth=1).values_list("code", flat=True))
    assert all(len(code) == 5 for code in current.filter(depth=2).values_list("code", flat=True))
    hanoi = Agency.objects.get(code="01")
    assert hanoi.name == "Thành phố Hà Nội"
    assert hanoi.source.startswith("vietnam-provinces 2025.10.1")
    assert str(hanoi.valid_from) == "2025-07-01"
    assert Agency.objects.get(code="00004").get_parent() == hanoi  # Phường Ba Đình
    assert Agency.find_problems() == ([], [], [], [], [])

    call_command("load_units")
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert Agency.objects.count() == 3355


@pytest.mark.django_db
def test_renamed_units_are_updated_and_new_ones_appended(tree):
    units = [
        Unit(
            "91",
            "Tỉnh Thử A mới",
            AgencyKind.PROVINCE,
            (Unit("91001", "Xã A1", AgencyKind.WARD), Unit("91003", "Xã A3", AgencyKind.COMMUNE)),
        )
    ]
    counts = units_load(units=units, source="test 1")
    assert (counts.created, counts.updated) == (1, 2)
    tree["province_a"].refresh_from_db()
    assert tree["province_a"].name == "Tỉnh Thử A mới"
    assert Agency.objects.get(code="91001").kind == AgencyKind.WARD
    a3 = Agency.objects.get(code="91003")
    assert a3.get_parent() == tree["province_a"]
    assert Agency.find_problems() == ([], [], [], [], [])
    again = units_load(units=units, source="test 1")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
