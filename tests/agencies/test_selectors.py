import datetime

import pytest

from lms.agencies import selectors
from lms.agencies.models import AgencyKind
from tests.factories.agencies import AgencyFactory, AssignmentFactory, SuccessionFactory

OLD_END = datetime.date(2025, 6, 30)


@pytest.fixture
def merged(tree):
    """Old province X (district, commune) merged into province A on 01/07/2025."""
    old = AgencyFactory(kind=AgencyKind.PROVINCE, code="93", name="Tỉnh Cũ X", valid_to=OLD_END)
    district = AgencyFactory(
        parent=old, kind=AgencyKind.DISTRICT, code="931", name="Huyện X", valid_to=OLD_END
    )
    commune = AgencyFactory(
        parent=district, kind=AgencyKind.COMMUNE, code="", name="Xã X1", valid_to=OLD_END
    )
    SuccessionFactory(predecessor=old, successor=tree["province_a"])
    SuccessionFactory(predecessor=commune, successor=tree["commune_a1"])
    # Two officials posted under the old world, one of them now in commune A1; one newcomer.
    gone = AssignmentFactory(agency=commune, start_date=datetime.date(2020, 1, 1), end_date=OLD_END)
    moved = AssignmentFactory(
        agency=district, start_date=datetime.date(2021, 1, 1), end_date=OLD_END
    )
    AssignmentFactory(
        official=moved.official, agency=tree["commune_a1"], start_date=datetime.date(2025, 7, 1)
    )
    AssignmentFactory(agency=tree["commune_a2"], start_date=datetime.date(2025, 7, 1))
    AssignmentFactory(agency=tree["commune_b1"], start_date=datetime.date(2025, 7, 1))
    return {
        "old": old,
        "district": district,
        "commune": commune,
        "gone": gone.official,
        "moved": moved.official,
    }


def test_officials_under_rolls_up_predecessors(tree, merged):
    province_a = tree["province_a"]
    assert selectors.official_count_under(province_a) == 3
    assert merged["gone"] in selectors.officials_under(province_a)
    assert selectors.officials_in_subtree(province_a).count() == 2
    # On a day before the merger, only the old posts count.
    assert selectors.official_count_under(province_a, on=datetime.date(2024, 1, 1)) == 2
    assert selectors.official_count_under(province_a, on=datetime.date(2025, 8, 1)) == 2
    # Commune A1 inherits commune X1 only, not the whole old province.
    assert set(selectors.officials_under(tree["commune_a1"])) == {merged["gone"], merged["moved"]}
    assert selectors.official_count_under(tree["province_b"]) == 1


def test_official_counts_for_many_agencies_in_fixed_queries(
    tree, merged, django_assert_max_num_queries
):
    agencies = [tree["province_a"], tree["commune_a1"], tree["commune_a2"], tree["province_b"]]
    with django_assert_max_num_queries(4):
        counts = selectors.official_counts(agencies, on=datetime.date(2025, 8, 1))
    assert counts[tree["province_a"].pk] == {"current": 2, "lineage": 3}
    assert counts[tree["commune_a1"].pk] == {"current": 1, "lineage": 2}
    assert counts[tree["commune_a2"].pk] == {"current": 1, "lineage": 1}
    assert counts[tree["province_b"].pk] == {"current": 1, "lineage": 1}
    many = selectors.lineage_paths_many(agencies)
    for agency in agencies:
        assert many[agency.pk] == selectors.lineage_paths(agency)


def test_agencies_visible_follows_scope(tree, make_user):
    from lms.core.models import Role

    steering = make_user(role=Role.STEERING, agency=tree["province_a"])
    assert list(selectors.agencies_visible(steering, [Role.STEERING])) == [tree["province_a"]]
    found = selectors.agencies_visible(steering, [Role.STEERING], query="Xã")
    assert set(found) == {tree["commune_a1"], tree["commune_a2"]}
    admin = make_user(role=Role.ADMIN)
    assert set(selectors.agencies_visible(admin, [Role.STEERING])) == {
        tree["province_a"],
        tree["province_b"],
    }
    learner = make_user(role=Role.LEARNER, agency=tree["commune_a1"])
    assert not selectors.agencies_visible(learner, [Role.STEERING]).exists()
