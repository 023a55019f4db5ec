"""Content editors held over a course page subtree and a collection (Wagtail group permissions)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from wagtail.models import Collection

from lms.core.models import Role, RoleAssignment
from lms.core.services import SCOPED_PREFIX, role_assign, role_grant, role_withdraw
from tests.factories.courses import build_course, lessons_of


@pytest.fixture
def courses(db):
    root = Collection.get_first_root_node()
    return {
        "a": build_course(title="Bài giảng địa phương A", lessons=1),
        "b": build_course(title="Bài giảng địa phương B", lessons=1),
        "col_a": root.add_child(name="Tỉnh Thử A"),
        "col_b": root.add_child(name="Tỉnh Thử B"),
    }


def _edit(client, page):
    return client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))


def _can_edit(client, page) -> bool:
    response = _edit(client, page)
    return response.status_code == 200


@pytest.fixture
def editor_a(make_user, tree, courses):
    user = make_user(username="t_editor_a", official_agency=tree["commune_a1"])
    role_grant(
        user=user,
        role=Role.EDITOR,
        agency=tree["province_a"],
        page=courses["a"],
        collection=courses["col_a"],
        reason="QĐ biên tập viên tỉnh A",
    )
    return user


def test_an_editor_of_subtree_a_edits_a_and_not_b(client, editor_a, courses):
    client.force_login(editor_a)
    lesson_a = lessons_of(courses["a"])[0]
    lesson_b = lessons_of(courses["b"])[0]
    assert _can_edit(client, courses["a"]) and _can_edit(client, lesson_a)
    for page in (courses["b"], lesson_b):
        response = _edit(client, page)
        assert response.status_code in (302, 403), response.status_code
    # Publishing a page of B is refused too, and changes nothing.
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[lesson_b.pk]),
        {"title": "Sửa trộm", "slug": lesson_b.slug, "action-publish": "1"},
    )
    assert response.status_code in (302, 403)
    lesson_b.refresh_from_db()
    assert lesson_b.title != "Sửa trộm"
    # The platform-wide editor group is not theirs.
    assert not editor_a.groups.filter(name="Editors").exists()
    (group,) = editor_a.groups.filter(name__startswith=SCOPED_PREFIX)
    assert group.page_permissions.filter(page=courses["a"]).count() == 5
    assert {p.collection for p in group.collection_permissions.all()} == {courses["col_a"]}


def test_images_of_the_collection_only(client, editor_a, courses):
    from wagtail.images.permissions import permission_policy

    collections = set(permission_policy.collections_user_has_permission_for(editor_a, "add"))
    assert collections == {courses["col_a"]}


def test_withdrawing_the_role_removes_the_rights_and_the_unused_group(
    client, editor_a, courses, make_user, tree
):
    grant = RoleAssignment.objects.get(user=editor_a, role=Role.EDITOR)
    group_name = editor_a.groups.get(name__startswith=SCOPED_PREFIX).name
    role_withdraw(assignment=grant, reason="Chuyển công tác")
    client.force_login(editor_a)
    assert not _can_edit(client, courses["a"])
    assert not editor_a.groups.exists()
    assert not Group.objects.filter(name=group_name).exists()


def test_the_platform_wide_editor_keeps_every_page(client, make_user, courses):
    editor = make_user(username="t_editor_all")
    role_assign(user=editor, role=Role.EDITOR)
    client.force_login(editor)
    assert _can_edit(client, courses["a"]) and _can_edit(client, courses["b"])
    assert editor.groups.filter(name="Editors").exists()


def test_provincial_admins_give_only_the_content_areas_of_their_scope(
    make_user, tree, editor_a, courses
):
    admin_a = make_user(
        role=Role.PROVINCIAL_ADMIN, agency=tree["province_a"], username="t_prov_a_editor"
    )
    newcomer = make_user(username="t_new_editor", official_agency=tree["commune_a2"])

    def grant(**kwargs):
        data = {
            "user": newcomer,
            "role": Role.EDITOR,
            "agency": tree["commune_a2"],
            "reason": "QĐ 2/2026",
            "granted_by": admin_a,
        }
        return role_grant(**{**data, **kwargs})

    with pytest.raises(ValidationError) as refused:
        grant()  # every page of the platform: wider than any provincial scope
    assert "page" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        grant(page=courses["b"])  # subtree B is no content area of province A
    assert "page" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        grant(page=lessons_of(courses["a"])[0], collection=courses["col_b"])
    assert "collection" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        grant(role=Role.TRAINER, page=courses["a"])
    assert "page" in refused.value.message_dict
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    lesson = lessons_of(courses["a"])[0]
    made = grant(page=lesson, collection=courses["col_a"])
    assert made.page_id == lesson.pk and made.granted_by == admin_a


def test_the_people_page_grants_an_editor_of_a_subtree(client, make_user, tree, courses):
    from lms.users.models import User

    admin = User.objects.create_superuser("t_root_people", "root@example.org", "x")
    editor = make_user(username="t_editor_page", official_agency=tree["commune_a1"])
    client.force_login(admin)
    detail = client.get(reverse("people:person_detail", args=[editor.official.pk]))
    assert detail.context["grant_form"].fields["page"].queryset.filter(pk=courses["a"].pk)
    response = client.post(
        reverse("people:role_grant", args=[editor.official.pk]),
        {
            "role": Role.EDITOR,
            "agency": tree["province_a"].pk,
            "page": courses["a"].pk,
            "collection": courses["col_a"].pk,
            "reason": "QĐ 5/2026",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("people:person_detail", args=[editor.official.pk]))
    assert "Bài giảng địa phương A" in page.content.decode()
    client.force_login(editor)
    assert _can_edit(client, courses["a"]) and not _can_edit(client, courses["b"])


def test_the_command_grants_an_editor_of_a_subtree(make_user, tree, courses):
    editor = make_user(username="t_editor_cmd", official_agency=tree["commune_a1"])
    call_command(
        "grant_role",
        "t_editor_cmd",
        "editor",
        "--scope",
        tree["province_a"].code,
        "--page",
        str(courses["a"].pk),
        "--collection",
        "Tỉnh Thử A",
        "--reason",
        "QĐ 6/2026",
    )
    grant = RoleAssignment.objects.get(user=editor)
    assert grant.page_id == courses["a"].pk and grant.collection == courses["col_a"]
    with pytest.raises(CommandError, match="--collection"):
        call_command(
            "grant_role", "t_editor_cmd", "editor", "--collection", "Không có", "--reason", "x"
        )
