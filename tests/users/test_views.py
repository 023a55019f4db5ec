"""The secretary's account pages: creating logins on the agency page, reactivating one."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from lms.core.models import Role
from lms.users.models import User
from tests.factories.agencies import AssignmentFactory, OfficialFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def secretary(tree, make_user):
    return make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"], username="sec_a")


def _posted(agency, **kwargs):
    official = OfficialFactory(**kwargs)
    AssignmentFactory(official=official, agency=agency)
    return official


def test_secretary_creates_accounts_for_ticked_officials(client, tree, secretary):
    with_email = _posted(tree["commune_a1"], staff_code="A-1")
    without_email = _posted(tree["commune_a2"], staff_code="A-2", email="")
    untouched = _posted(tree["commune_a1"], staff_code="A-3")
    client.force_login(secretary)
    page = client.get(reverse("agencies:agency_detail", args=[tree["province_a"].pk]))
    assert f'value="{with_email.pk}" form="accounts-form"' in page.content.decode()
    response = client.post(
        reverse("agencies:create_accounts", args=[tree["province_a"].pk]),
        {"official": [with_email.pk, without_email.pk]},
        follow=True,
    )
    assert "Đã tạo 2 tài khoản; 1 email kích hoạt" in response.content.decode()
    for official in (with_email, without_email, untouched):
        official.refresh_from_db()
    assert with_email.user.username == "A-1"
    assert without_email.user is not None
    assert untouched.user is None


def test_forged_id_outside_the_scope_refuses_everything(client, tree, secretary):
    inside = _posted(tree["commune_a1"])
    outside = _posted(tree["commune_b1"])
    client.force_login(secretary)
    response = client.post(
        reverse("agencies:create_accounts", args=[tree["province_a"].pk]),
        {"official": [inside.pk, outside.pk]},
    )
    assert response.status_code == 403
    # Nor through another agency's page in the scope: the official must be posted under it.
    response = client.post(
        reverse("agencies:create_accounts", args=[tree["commune_a2"].pk]),
        {"official": [inside.pk]},
    )
    assert response.status_code == 403
    assert not User.objects.filter(official__in=[inside, outside]).exists()


def test_no_ticked_official_or_garbage_is_a_message_not_an_error(client, tree, secretary):
    client.force_login(secretary)
    url = reverse("agencies:create_accounts", args=[tree["province_a"].pk])
    for data in ({}, {"official": ["abc"]}):
        response = client.post(url, data, follow=True)
        assert "Hãy chọn ít nhất một cán bộ" in response.content.decode()


def test_secretary_reactivates_a_leaver_with_a_reason(client, tree, secretary):
    official = _posted(tree["commune_a1"], staff_code="L-1")
    official.assignments.update(end_date=datetime.date(2025, 6, 30))
    official.user = User.objects.create(username="L-1", is_active=False)
    official.save()
    client.force_login(secretary)
    url = reverse("accounts:reactivate", args=[official.user.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    official.user.refresh_from_db()
    assert not official.user.is_active
    response = client.post(url, {"reason": "Còn giảng dạy lớp ISO đến tháng 12"})
    assert response.status_code == 302
    official.user.refresh_from_db()
    assert official.user.is_active
    latest = official.user.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        secretary,
        "Còn giảng dạy lớp ISO đến tháng 12",
    )


def test_admin_shows_the_login_history(client, tree, make_user):
    admin = make_user(role=Role.ADMIN, is_staff=True, is_superuser=True)
    leaver = User.objects.create(username="gone", is_active=False)
    from lms.users.services import account_reactivate

    account_reactivate(user=leaver, by=admin, reason="Giữ tài khoản để bàn giao hồ sơ")
    client.force_login(admin)
    response = client.get(reverse("admin:users_user_history", args=[leaver.pk]))
    assert "Giữ tài khoản để bàn giao hồ sơ" in response.content.decode()
