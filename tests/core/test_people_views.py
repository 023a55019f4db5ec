"""People and roles pages: who may open them, the subtree they show, grants and revocations."""

import datetime

import pytest
from django.urls import reverse

from lms.agencies.models import Assignment, Official, PositionKind
from lms.core.access import has_role
from lms.core.models import Role, RoleAssignment
from lms.core.services import role_assign
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.factories.users import UserFactory

LIST = reverse("people:person_list")


@pytest.fixture
def prov_a(make_user, tree):
    return make_user(
        role=Role.PROVINCIAL_ADMIN,
        agency=tree["province_a"],
        username="t_prov_a",
        official_agency=tree["province_a"],
    )


@pytest.fixture
def staff_a(make_user, tree):
    return make_user(
        username="t_staff_a", full_name="Trần Thị Ánh", official_agency=tree["commune_a1"]
    )


@pytest.fixture
def staff_b(make_user, tree):
    return make_user(
        username="t_staff_b", full_name="Lê Văn Bình", official_agency=tree["commune_b1"]
    )


@pytest.mark.parametrize(
    "role", [Role.LEARNER, Role.TRAINER, Role.ISO_SECRETARY, Role.STEERING, Role.EDITOR]
)
def test_other_roles_are_refused(client, make_user, tree, staff_a, role):
    user = make_user(role=role, agency=tree["province_a"], username=f"t_{role}")
    client.force_login(user)
    assert client.get(LIST).status_code == 403
    detail = reverse("people:person_detail", args=[staff_a.official.pk])
    assert client.get(detail).status_code == 403
    grant = reverse("people:role_grant", args=[staff_a.official.pk])
    assert client.post(grant, {"role": Role.TRAINER, "reason": "x"}).status_code == 403
    assert not RoleAssignment.objects.filter(user=staff_a).exists()


def test_anonymous_goes_to_login(client, staff_a):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_provincial_admin_sees_only_their_subtree(client, prov_a, staff_a, staff_b):
    client.force_login(prov_a)
    page = client.get(LIST).content.decode()
    assert "Trần Thị Ánh" in page and "Lê Văn Bình" not in page
    assert "People and roles" in page or "Người dùng và vai trò" in page  # the menu entry
    outside = reverse("people:person_detail", args=[staff_b.official.pk])
    assert client.get(outside).status_code == 404
    grant = reverse("people:role_grant", args=[staff_b.official.pk])
    assert client.post(grant, {"role": Role.TRAINER, "reason": "x"}).status_code == 404


def test_a_forged_agency_outside_the_scope_is_refused(client, prov_a, staff_a, staff_b, tree):
    client.force_login(prov_a)
    response = client.get(LIST, {"agency": tree["province_b"].pk})
    page = response.content.decode()
    assert "Lê Văn Bình" not in page and "Trần Thị Ánh" not in page
    assert response.context["form"].errors["agency"]
    grant = reverse("people:role_grant", args=[staff_a.official.pk])
    response = client.post(
        grant, {"role": Role.TRAINER, "agency": tree["province_b"].pk, "reason": "x"}
    )
    assert response.status_code == 400 and response.context["grant_form"].errors["agency"]
    assert not RoleAssignment.objects.filter(user=staff_a).exists()


def test_filters_and_folded_search(client, prov_a, staff_a, make_user, tree):
    other = make_user(
        username="t_leader",
        full_name="Phạm Văn Cường",
        official_agency=tree["commune_a2"],
        position=PositionKind.LEADER,
    )
    staff_a.official.staff_code = "BN-0007"
    staff_a.official.save()
    role_assign(user=other, role=Role.TRAINER, agency=tree["commune_a2"])
    nobody = OfficialFactory(full_name="Đỗ Chưa Đăng Nhập")
    AssignmentFactory(official=nobody, agency=tree["commune_a1"])
    client.force_login(prov_a)

    def names(**params):
        return {o.full_name for o in client.get(LIST, params).context["rows"]}

    assert names(q="tran thi anh") == {"Trần Thị Ánh"}
    assert names(q="bn-0007") == {"Trần Thị Ánh"}
    assert names(agency=tree["commune_a2"].pk) == {"Phạm Văn Cường"}
    assert names(position_kind=PositionKind.LEADER) == {"Phạm Văn Cường"}
    assert names(role=Role.TRAINER) == {"Phạm Văn Cường"}
    assert names(login="no") == {"Đỗ Chưa Đăng Nhập"}
    assert "Đỗ Chưa Đăng Nhập" not in names(login="yes")


def test_grant_and_revoke_from_the_person_page(client, prov_a, staff_a, tree):
    client.force_login(prov_a)
    official = staff_a.official
    grant_url = reverse("people:role_grant", args=[official.pk])
    response = client.post(
        grant_url,
        {
            "role": Role.TRAINER,
            "agency": tree["commune_a1"].pk,
            "valid_until": "2099-12-31",
            "reason": "QĐ 15/2026",
        },
    )
    assert response.status_code == 302
    grant = RoleAssignment.objects.get(user=staff_a)
    assert grant.valid_until == datetime.date(2099, 12, 31) and grant.granted_by == prov_a
    page = client.get(reverse("people:person_detail", args=[official.pk])).content.decode()
    assert "QĐ 15/2026" in page and "31/12/2099" in page
    revoke_url = reverse("people:role_revoke", args=[official.pk, grant.pk])
    client.post(revoke_url, {"reason": ""})
    assert RoleAssignment.objects.filter(pk=grant.pk).exists()
    client.post(revoke_url, {"reason": "Nghỉ hưu"})
    assert not RoleAssignment.objects.filter(pk=grant.pk).exists()
    page = client.get(reverse("people:person_detail", args=[official.pk])).content.decode()
    assert "Nghỉ hưu" in page  # the history keeps the revocation and its reason


def test_no_grant_without_reason_to_oneself_or_without_login(client, prov_a, staff_a, tree):
    client.force_login(prov_a)
    url = reverse("people:role_grant", args=[staff_a.official.pk])
    data = {"role": Role.TRAINER, "agency": tree["commune_a1"].pk, "reason": ""}
    assert client.post(url, data).status_code == 400
    own = reverse("people:role_grant", args=[prov_a.official.pk])
    response = client.post(own, {**data, "agency": tree["province_a"].pk, "reason": "x"})
    assert response.status_code == 400
    assert "vai trò của chính mình" in str(response.context["grant_form"].non_field_errors())
    nobody = OfficialFactory(full_name="Đỗ Chưa Đăng Nhập")
    AssignmentFactory(official=nobody, agency=tree["commune_a1"])
    response = client.post(
        reverse("people:role_grant", args=[nobody.pk]), {**data, "reason": "x"}, follow=True
    )
    assert "Đỗ Chưa Đăng Nhập" in str(list(response.context["messages"])[0])
    assert not RoleAssignment.objects.exclude(user=prov_a).exists()
    assert not has_role(staff_a, Role.TRAINER)


def test_the_list_runs_a_fixed_number_of_queries(
    client, prov_a, tree, django_assert_max_num_queries
):
    users = UserFactory._meta.model.objects.bulk_create(
        [UserFactory.build(username=f"bulk{i}", password="x") for i in range(600)]
    )
    officials = [Official(full_name=f"Cán bộ {i:04d}", staff_code=f"S{i:04d}") for i in range(1200)]
    for official in officials:
        official.refold()  # bulk_create skips save()
    officials = Official.objects.bulk_create(officials)
    for official, user in zip(officials, users, strict=False):
        official.user = user
    Official.objects.bulk_update(officials[: len(users)], ["user"])
    Assignment.objects.bulk_create(
        [Assignment(official=o, agency=tree["commune_a1"]) for o in officials]
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.LEARNER, agency=tree["commune_a1"]) for u in users]
    )
    client.force_login(prov_a)
    client.get(LIST)  # warm the session and user caches
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"page": 2})
    assert len(response.context["rows"]) == 50
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"login": "yes", "role": Role.LEARNER, "q": "s01"})
    assert response.context["page"].paginator.count == 100
    filters = {"agency": tree["commune_a1"].pk, "position_kind": PositionKind.SPECIALIST}
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {**filters, "login": "no", "q": "cán bộ S11"})
    assert response.context["page"].paginator.count == 100  # Cán bộ 1100–1199, no login
    assert response.context["rows"][0].full_name == "Cán bộ 1100"


def test_the_folded_name_follows_the_name_and_is_searched_in_sql(
    client, prov_a, staff_a, django_assert_max_num_queries
):
    official = staff_a.official
    assert official.name_folded == "tran thi anh"
    official.full_name = "Trần Thị Ánh Hồng"
    official.staff_code = "BN-09"
    official.save(update_fields=["full_name", "staff_code"])
    official.refresh_from_db()
    assert official.name_folded == "tran thi anh hong bn-09"
    client.force_login(prov_a)
    response = client.get(LIST, {"q": "ÁNH  hồng"})
    assert [o.full_name for o in response.context["rows"]] == ["Trần Thị Ánh Hồng"]
    assert client.get(LIST, {"q": "anh lan"}).context["page"].paginator.count == 0


def test_the_pages_speak_vietnamese(client, prov_a, staff_a):
    client.force_login(prov_a)
    client.cookies["django_language"] = "vi"
    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Người dùng và vai trò" in page and "Số cán bộ tìm thấy" in page
    detail = reverse("people:person_detail", args=[staff_a.official.pk])
    assert "Cấp vai trò" in client.get(detail, HTTP_ACCEPT_LANGUAGE="vi").content.decode()


def test_the_platform_filter_lists_provinces_and_the_grant_the_posts_and_above(
    client, make_user, tree, staff_a
):
    admin = make_user(role=Role.ADMIN, username="t_platform")
    client.force_login(admin)
    choices = client.get(LIST).context["form"].fields["agency"].queryset
    assert set(choices) == {tree["province_a"], tree["province_b"]}
    detail = client.get(reverse("people:person_detail", args=[staff_a.official.pk]))
    scopes = detail.context["grant_form"].fields["agency"].queryset
    assert list(scopes) == [tree["province_a"], tree["commune_a1"]]


def test_the_menu_shows_the_page_to_those_who_may_use_it(client, prov_a, learner):
    client.force_login(prov_a)
    assert f'href="{LIST}"' in client.get("/account/").content.decode()
    client.force_login(learner)
    assert f'href="{LIST}"' not in client.get("/account/").content.decode()
