import pytest

from lms.core.models import Role, RoleAssignment
from lms.core.services import role_assign, role_revoke
from tests.factories.users import UserFactory


@pytest.mark.django_db
def test_role_assign_is_idempotent_and_grants_editor_group(tree):
    user = UserFactory()
    role_assign(user=user, role=Role.EDITOR)
    role_assign(user=user, role=Role.EDITOR)
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert user.groups.filter(name="Editors").exists()
    assert user.has_perm("wagtailadmin.access_admin")


@pytest.mark.django_db
def test_revoking_editor_removes_admin_access(tree):
    user = UserFactory()
    role_assign(user=user, role=Role.EDITOR)
    role_assign(user=user, role=Role.TRAINER, agency=tree["province_a"])
    assert role_revoke(user=user, role=Role.EDITOR) == 1
    assert not user.groups.filter(name="Editors").exists()
    assert RoleAssignment.objects.filter(user=user, role=Role.TRAINER).exists()
