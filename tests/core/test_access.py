import pytest

from lms.core import access
from lms.core.models import Role


@pytest.mark.django_db
def test_scope_is_the_subtree(make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    assert access.agency_in_scope(secretary, tree["commune_a1"], Role.ISO_SECRETARY)
    assert access.agency_in_scope(secretary, tree["province_a"], Role.ISO_SECRETARY)
    assert not access.agency_in_scope(secretary, tree["commune_b1"], Role.ISO_SECRETARY)
    # Holding one role grants nothing for another.
    assert not access.agency_in_scope(secretary, tree["commune_a1"], Role.TRAINER)


@pytest.mark.django_db
def test_scope_q_filters_in_sql(make_user, tree):
    from lms.agencies.models import Assignment

    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["commune_a1"])
    make_user(official_agency=tree["commune_a2"])
    make_user(official_agency=tree["commune_b1"])
    visible = Assignment.objects.filter(access.scope_q(secretary, Role.ISO_SECRETARY))
    assert {a.agency.name for a in visible} == {"Xã A1"}
    assert access.scope_paths(secretary, Role.ISO_SECRETARY) == (tree["commune_a1"].path,)
    assert not Assignment.objects.filter(access.scope_q(secretary, Role.STEERING)).exists()


@pytest.mark.django_db
def test_platform_admin_has_everything(make_user, tree):
    admin = make_user(role=Role.ADMIN)
    assert access.is_platform_admin(admin)
    assert access.agency_in_scope(admin, tree["commune_b1"], Role.ISO_SECRETARY)
    assert access.scope_paths(admin, Role.TRAINER) == (access.EVERYWHERE,)


@pytest.mark.django_db
def test_nested_scopes_collapse(make_user, tree):
    from tests.factories.core import RoleAssignmentFactory

    user = make_user(role=Role.STEERING, agency=tree["province_a"])
    RoleAssignmentFactory(user=user, role=Role.STEERING, agency=tree["commune_a2"])
    access.forget_scopes(user)
    assert access.scope_paths(user, Role.STEERING) == (tree["province_a"].path,)


def test_unknown_rule_is_an_error(rf):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(LookupError):
        access.can(AnonymousUser(), "nope.nothing")


@pytest.mark.django_db
def test_anonymous_can_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert not access.can(AnonymousUser(), "core.view_account")
    assert access.scope_paths(AnonymousUser(), Role.LEARNER) == ()


def test_permission_required_hands_the_checked_object_to_the_view(rf, make_user, tree):
    from lms.core.access import permission_required

    user = make_user(username="po_viewer")
    loaded = []

    def load(request, pk):
        loaded.append(pk)
        return tree["commune_a1"]

    @permission_required("core.view_account", get_object=load)
    def view(request, pk):
        return request.permission_object

    request = rf.get("/")
    request.user = user
    assert view(request, pk=7) == tree["commune_a1"]
    assert loaded == [7], "the object is loaded once, by the check"
