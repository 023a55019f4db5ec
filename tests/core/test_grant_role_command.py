"""manage.py grant_role: the page's rules from the shell, errors naming the argument."""

import pytest
from django.core.management import CommandError, call_command

from lms.core.access import has_role
from lms.core.models import Role, RoleAssignment


def _run(*args):
    call_command("grant_role", *args)


def test_the_platform_grants_and_the_history_says_so(tree, make_user):
    user = make_user(username="t_new_trainer", official_agency=tree["commune_a1"])
    _run("t_new_trainer", "trainer", "--scope", "91", "--until", "31/12/2099", "--reason", "QĐ 5")
    grant = RoleAssignment.objects.get(user=user)
    assert (grant.agency, grant.valid_until.year, grant.reason) == (
        tree["province_a"],
        2099,
        "QĐ 5",
    )
    assert grant.granted_by is None
    assert RoleAssignment.history.get(id=grant.pk).history_user is None
    assert has_role(user, Role.TRAINER)


def test_the_granter_named_by_by_is_held_to_their_scope(tree, make_user):
    make_user(role=Role.PROVINCIAL_ADMIN, agency=tree["province_a"], username="t_prov")
    make_user(username="t_someone")
    with pytest.raises(CommandError, match="--scope: .*Tỉnh Thử B"):
        _run("t_someone", "trainer", "--scope", "92", "--reason", "x", "--by", "t_prov")
    _run("t_someone", "trainer", "--scope", "91001", "--reason", "x", "--by", "t_prov")
    assert RoleAssignment.objects.get(role=Role.TRAINER).granted_by.username == "t_prov"


@pytest.mark.parametrize(
    "args, message",
    [
        (["nobody", "trainer", "--reason", "x"], "USER: no login"),
        (["t_someone", "chief", "--reason", "x"], "ROLE: unknown role"),
        (["t_someone", "trainer", "--scope", "99999", "--reason", "x"], "--scope: no current"),
        (["t_someone", "trainer", "--until", "2099-12-31", "--reason", "x"], "--until: "),
        (["t_someone", "trainer", "--scope", "91"], "--reason: "),
        (["t_someone", "trainer", "--reason", "x", "--by", "ghost"], "--by: no login"),
        (["t_someone", "admin", "--scope", "91", "--reason", "x"], "--scope: "),
    ],
)
def test_bad_arguments_are_named_and_write_nothing(tree, make_user, args, message):
    make_user(username="t_someone")
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not RoleAssignment.objects.exists()


def test_staff_code_finds_the_login(tree, make_user):
    user = make_user(username="t_coded", official_agency=tree["commune_a1"])
    user.official.staff_code = "CB-0042"
    user.official.save()
    _run("CB-0042", "steering", "--scope", "91", "--reason", "Ban chỉ đạo")
    assert has_role(user, Role.STEERING)
