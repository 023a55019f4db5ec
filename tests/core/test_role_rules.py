"""Roles granted in the product: end dates, and who may grant or revoke what over which scope."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms.core import access
from lms.core.auth import USER_CACHE_SECONDS, CachedModelBackend, cache_seconds, user_cache_key
from lms.core.models import Role, RoleAssignment
from lms.core.selectors import account_summary
from lms.core.services import (
    official_login,
    role_assign,
    role_grant,
    role_withdraw,
    roles_sync_ended,
)
from lms.training.forms import trainers_in_scope
from tests.factories.agencies import OfficialFactory
from tests.factories.users import UserFactory

TODAY = datetime.date.today


def _ended(user, role, agency=None):
    """A grant that ended yesterday (written as a migration-era row would be)."""
    grant = role_assign(user=user, role=role, agency=agency)
    RoleAssignment.objects.filter(pk=grant.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    access.forget_scopes(user)
    return grant


# --- end dates -------------------------------------------------------------------------------


def test_a_grant_past_its_end_date_counts_nowhere(tree, make_user):
    trainer = make_user(username="t_ended", official_agency=tree["commune_a1"])
    _ended(trainer, Role.TRAINER, tree["province_a"])
    _ended(trainer, Role.EDITOR)
    assert not access.has_role(trainer, Role.TRAINER)
    assert access.scope_paths(trainer, Role.TRAINER) == ()
    assert Role.TRAINER not in access.menu_roles(trainer)
    assert Role.EDITOR not in access.roles_of(trainer)
    assert account_summary(user=trainer)["role_assignments"] == []
    boss = make_user(role=Role.TRAINER, agency=tree["province_a"], username="t_boss")
    assert trainer not in trainers_in_scope(boss)


def test_a_grant_counts_through_its_last_day(tree, make_user):
    user = make_user(username="t_lastday")
    role_assign(user=user, role=Role.TRAINER, agency=tree["province_a"], valid_until=TODAY())
    assert access.has_role(user, Role.TRAINER)
    assert access.roles_change_after(user) == TODAY()


def test_ended_editor_loses_wagtail_groups(tree):
    editor = UserFactory(username="t_old_editor")
    role_assign(user=editor, role=Role.EDITOR)
    keeper = UserFactory(username="t_editor")
    role_assign(user=keeper, role=Role.EDITOR)
    RoleAssignment.objects.filter(user=editor).update(valid_until=TODAY() - datetime.timedelta(1))
    assert roles_sync_ended() == 1
    assert not editor.groups.filter(name="Editors").exists()
    assert keeper.groups.filter(name="Editors").exists()


def test_the_cached_user_expires_with_the_grant():
    now = timezone.localtime()
    assert cache_seconds(None) == USER_CACHE_SECONDS
    end_of_today = cache_seconds(
        now.date(), now=now.replace(hour=23, minute=59, second=0, microsecond=0)
    )
    assert end_of_today == 60
    assert cache_seconds(now.date() + datetime.timedelta(days=3), now=now) == USER_CACHE_SECONDS


def test_the_backend_caches_a_user_no_longer_than_their_grant(tree, monkeypatch):
    user = UserFactory(username="t_cached")
    role_assign(user=user, role=Role.TRAINER, agency=tree["province_a"], valid_until=TODAY())
    seen = {}
    real_set = cache.set

    def spy(key, value, timeout=None, **kwargs):
        seen[key] = timeout
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    monkeypatch.setattr("lms.core.auth.cache_seconds", lambda until: 7 if until else 999)
    CachedModelBackend().get_user(user.pk)
    assert seen[user_cache_key(user.pk)] == 7


# --- grant rules -----------------------------------------------------------------------------


@pytest.fixture
def people(tree, make_user):
    return {
        "platform": make_user(role=Role.ADMIN, username="t_platform"),
        "prov_a": make_user(
            role=Role.PROVINCIAL_ADMIN, agency=tree["province_a"], username="t_prov_a"
        ),
        "commune_admin": make_user(
            role=Role.PROVINCIAL_ADMIN, agency=tree["commune_a1"], username="t_commune_admin"
        ),
        "someone": make_user(username="t_someone", official_agency=tree["commune_a1"]),
    }


def _grant(by, user, role, agency, **kwargs):
    kwargs.setdefault("reason", "Phân công theo quyết định 12/QĐ")
    return role_grant(user=user, role=role, agency=agency, granted_by=by, **kwargs)


def _refusal(fn, *args, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        fn(*args, **kwargs)
    return caught.value.message_dict


def test_provincial_admin_grants_inside_their_subtree(people, tree):
    grant = _grant(people["prov_a"], people["someone"], Role.TRAINER, tree["commune_a1"])
    assert grant.granted_by == people["prov_a"] and grant.reason.startswith("Phân công")
    history = RoleAssignment.history.get(id=grant.pk)
    assert history.history_user == people["prov_a"]
    assert history.history_change_reason == "Phân công theo quyết định 12/QĐ"


def test_nobody_grants_outside_their_subtree(people, tree):
    errors = _refusal(_grant, people["prov_a"], people["someone"], Role.TRAINER, tree["province_b"])
    assert "agency" in errors
    errors = _refusal(
        _grant, people["commune_admin"], people["someone"], Role.TRAINER, tree["province_a"]
    )
    assert "agency" in errors
    assert not RoleAssignment.objects.filter(user=people["someone"]).exists()


def test_only_platform_admins_grant_platform_wide_or_admin_roles(people, tree):
    assert "agency" in _refusal(_grant, people["prov_a"], people["someone"], Role.EDITOR, None)
    assert "role" in _refusal(_grant, people["prov_a"], people["someone"], Role.ADMIN, None)
    _grant(people["platform"], people["someone"], Role.ADMIN, None)
    assert access.is_platform_admin(people["someone"])


def test_admin_role_is_platform_wide(people, tree):
    errors = _refusal(_grant, people["platform"], people["someone"], Role.ADMIN, tree["province_a"])
    assert "agency" in errors


def test_provincial_admin_only_from_a_wider_scope(people, tree):
    # Same scope: refused (they could take each other's role away); a part of it: allowed.
    errors = _refusal(
        _grant, people["prov_a"], people["someone"], Role.PROVINCIAL_ADMIN, tree["province_a"]
    )
    assert "agency" in errors
    _grant(people["prov_a"], people["someone"], Role.PROVINCIAL_ADMIN, tree["commune_a2"])
    _grant(people["platform"], people["someone"], Role.PROVINCIAL_ADMIN, tree["province_b"])
    errors = _refusal(
        _grant,
        people["commune_admin"],
        people["someone"],
        Role.PROVINCIAL_ADMIN,
        tree["commune_a1"],
    )
    assert "agency" in errors


def test_nobody_grants_or_revokes_their_own_roles(people, tree):
    assert "user" in _refusal(
        _grant, people["prov_a"], people["prov_a"], Role.TRAINER, tree["commune_a1"]
    )
    assert "user" in _refusal(_grant, people["platform"], people["platform"], Role.EDITOR, None)
    own = RoleAssignment.objects.get(user=people["prov_a"])
    errors = _refusal(role_withdraw, assignment=own, reason="x", revoked_by=people["prov_a"])
    assert "user" in errors
    assert RoleAssignment.objects.filter(pk=own.pk).exists()


def test_a_grant_needs_a_reason_a_future_end_and_no_duplicate(people, tree):
    someone, prov = people["someone"], people["prov_a"]
    commune = tree["commune_a1"]
    assert "reason" in _refusal(_grant, prov, someone, Role.TRAINER, commune, reason="  ")
    yesterday = TODAY() - datetime.timedelta(days=1)
    errors = _refusal(_grant, prov, someone, Role.TRAINER, commune, valid_until=yesterday)
    assert "valid_until" in errors
    _grant(prov, someone, Role.TRAINER, commune, valid_until=TODAY())
    assert "role" in _refusal(_grant, prov, someone, Role.TRAINER, commune)


def test_an_ended_grant_is_renewed_not_duplicated(people, tree):
    someone = people["someone"]
    old = _ended(someone, Role.TRAINER, tree["commune_a1"])
    renewed = _grant(people["prov_a"], someone, Role.TRAINER, tree["commune_a1"], reason="Gia hạn")
    assert renewed.pk == old.pk and renewed.valid_until is None and renewed.is_active
    assert access.has_role(someone, Role.TRAINER)


def test_a_grant_to_an_official_without_login_is_refused(tree):
    official = OfficialFactory(full_name="Nguyễn Chưa Có Tài Khoản")
    errors = _refusal(official_login, official)
    assert "Nguyễn Chưa Có Tài Khoản" in errors["user"][0]


def test_revocation_follows_the_same_rules_and_is_in_the_history(people, tree):
    someone = people["someone"]
    outside = role_assign(user=someone, role=Role.TRAINER, agency=tree["province_b"])
    errors = _refusal(role_withdraw, assignment=outside, reason="x", revoked_by=people["prov_a"])
    assert "agency" in errors
    inside = _grant(people["prov_a"], someone, Role.STEERING, tree["commune_a1"])
    assert "reason" in _refusal(
        role_withdraw, assignment=inside, reason="", revoked_by=people["prov_a"]
    )
    role_withdraw(assignment=inside, reason="Chuyển công tác", revoked_by=people["prov_a"])
    assert not RoleAssignment.objects.filter(pk=inside.pk).exists()
    gone = RoleAssignment.history.filter(id=inside.pk, history_type="-").get()
    assert gone.history_user == people["prov_a"]
    assert gone.history_change_reason == "Chuyển công tác"


def test_the_platform_itself_may_grant_anything(people, tree):
    grant = role_grant(
        user=people["someone"], role=Role.ADMIN, agency=None, reason="Cài đặt", granted_by=None
    )
    assert grant.granted_by is None
    assert RoleAssignment.history.get(id=grant.pk).history_user is None


def test_the_account_page_shows_the_end_date(client, tree, make_user):
    user = make_user(username="t_until", official_agency=tree["commune_a1"])
    role_assign(
        user=user,
        role=Role.TRAINER,
        agency=tree["province_a"],
        valid_until=datetime.date(2099, 12, 31),
    )
    client.force_login(user)
    assert "31/12/2099" in client.get("/account/").content.decode()
