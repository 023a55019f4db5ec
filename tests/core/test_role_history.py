"""Role grants and revocations are QMS records: the admin keeps who did each, and when."""

from django.urls import reverse

from lms.core.models import Role, RoleAssignment


def test_grant_and_revoke_in_the_admin_are_in_the_history(client, make_user, tree):
    admin = make_user(role=Role.ADMIN, username="t_admin", is_staff=True, is_superuser=True)
    user = make_user(username="t_new_trainer")
    client.force_login(admin)
    added = client.post(
        reverse("admin:core_roleassignment_add"),
        {"user": user.pk, "role": Role.TRAINER, "agency": tree["province_a"].pk},
    )
    assert added.status_code == 302
    grant = RoleAssignment.objects.get(user=user)
    assert grant.granted_by == admin
    assert user.groups.count() == 0  # granted through role_assign (a trainer is no editor)
    deleted = client.post(
        reverse("admin:core_roleassignment_delete", args=[grant.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302 and not RoleAssignment.objects.filter(user=user).exists()
    history = list(RoleAssignment.history.filter(id=grant.pk).order_by("history_id"))
    assert [(h.history_type, h.history_user, h.role, h.agency_id) for h in history] == [
        ("+", admin, Role.TRAINER, tree["province_a"].pk),
        ("-", admin, Role.TRAINER, tree["province_a"].pk),
    ]
    page = client.get(reverse("admin:core_roleassignment_history", args=[grant.pk]))
    assert page.status_code == 200 and str(user) in page.content.decode()


def test_a_grant_is_not_edited_in_place(client, make_user, tree):
    admin = make_user(role=Role.ADMIN, username="t_admin", is_staff=True, is_superuser=True)
    trainer = make_user(role=Role.TRAINER, agency=tree["province_a"], username="t_trainer")
    grant = RoleAssignment.objects.get(user=trainer)
    client.force_login(admin)
    url = reverse("admin:core_roleassignment_change", args=[grant.pk])
    assert client.post(url, {"user": trainer.pk, "role": Role.ADMIN}).status_code == 403
    grant.refresh_from_db()
    assert grant.role == Role.TRAINER
