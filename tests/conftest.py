"""Shared fixtures. App-specific fixtures live in tests/<app>/conftest.py."""

import datetime

import pytest

from lms.agencies.models import AgencyKind, PositionKind
from lms.core.models import Role
from tests.factories.agencies import AgencyFactory, AssignmentFactory, OfficialFactory
from tests.factories.core import RoleAssignmentFactory
from tests.factories.users import UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _migrated_rows(request):
    """A transactional test flushes every table when it ends, rows the migrations made included
    (Wagtail's locale, root page, default site and root collection). Put them back before the next
    transactional test, whatever ran before it on this worker."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        from tests.factories.courses import ensure_site

        ensure_site()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rolled-back rows reuse their ids on SQLite, and a
    user, session or page cached by an earlier test must not answer for a new one."""
    from django.core.cache import cache

    from lms.courses import learners

    learners.forget_process_state()
    if hasattr(cache, "delete_pattern"):  # Redis: only this worker's keys (see settings.test)
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture
def tree(db):
    """Province A (department, communes a1 and a2) and province B (commune b1)."""
    province_a = AgencyFactory(kind=AgencyKind.PROVINCE, code="91", name="Tỉnh Thử A")
    department = AgencyFactory(
        parent=province_a, kind=AgencyKind.DEPARTMENT, code="", name="Sở Khoa học và Công nghệ A"
    )
    commune_a1 = AgencyFactory(
        parent=province_a, kind=AgencyKind.COMMUNE, code="91001", name="Xã A1"
    )
    commune_a2 = AgencyFactory(
        parent=province_a, kind=AgencyKind.COMMUNE, code="91002", name="Xã A2"
    )
    province_b = AgencyFactory(kind=AgencyKind.PROVINCE, code="92", name="Tỉnh Thử B")
    commune_b1 = AgencyFactory(
        parent=province_b, kind=AgencyKind.COMMUNE, code="92001", name="Xã B1"
    )
    for node in (province_a, department, commune_a1, commune_a2, province_b, commune_b1):
        node.refresh_from_db()
    return {
        "province_a": province_a,
        "department": department,
        "commune_a1": commune_a1,
        "commune_a2": commune_a2,
        "province_b": province_b,
        "commune_b1": commune_b1,
    }


@pytest.fixture
def make_user(db):
    """make_user(role=None, agency=None, username=None, official_agency=None, position=...)."""

    def _make(
        role=None,
        agency=None,
        username=None,
        official_agency=None,
        position=PositionKind.SPECIALIST,
        **kwargs,
    ):
        extra = {"username": username} if username else {}
        user = UserFactory(**extra, **kwargs)
        if role:
            RoleAssignmentFactory(user=user, role=role, agency=agency)
        home = official_agency or agency
        if home is not None:
            official = OfficialFactory(user=user, full_name=user.full_name or user.username)
            AssignmentFactory(
                official=official,
                agency=home,
                position_kind=position,
                start_date=datetime.date(2024, 1, 1),
            )
        return user

    return _make


@pytest.fixture
def learner(make_user, tree):
    return make_user(role=Role.LEARNER, agency=tree["commune_a1"], username="t_learner")
