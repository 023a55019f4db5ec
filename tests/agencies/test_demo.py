import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from lms.agencies import selectors
from lms.agencies.models import Agency, AgencyKind, Assignment, Official, Succession
from lms.core import access
from lms.core.models import Role


@pytest.mark.django_db
def test_load_demo_builds_the_world_and_is_idempotent(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    for username in ("learner", "trainer", "secretary", "steering", "editor", "admin"):
        assert username in out
    assert "demo12345" in out

    new_province = Agency.objects.get(code="24", valid_to__isnull=True)
    old_province = Agency.objects.get(code="24", valid_to=datetime.date(2025, 6, 30))
    assert new_province.name == "Tỉnh Bắc Ninh" and old_province.name == "Tỉnh Bắc Giang"
    assert Succession.objects.filter(
        predecessor=old_province, successor=new_province, date=datetime.date(2025, 7, 1)
    ).exists()
    old_units = Agency.objects.filter(path__startswith=old_province.path)
    assert old_units.filter(kind=AgencyKind.DISTRICT).count() >= 3
    assert not old_units.filter(valid_to__isnull=True).exists()
    assert Agency.objects.filter(
        path__startswith=new_province.path, name="Sở Khoa học và Công nghệ"
    ).exists()

    # History under old Bắc Giang rolls up into the new Bắc Ninh.
    everyone = selectors.official_count_under(new_province)
    current_only = selectors.officials_in_subtree(new_province).count()
    assert everyone > current_only
    assert everyone >= 300
    old_posts = Assignment.objects.filter(agency__path__startswith=old_province.path)
    assert old_posts.values("official").distinct().count() >= 50
    assert not old_posts.filter(end_date__isnull=True).exists()

    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("demo12345")
    secretary = User.objects.get(username="secretary")
    scope = access.scope_paths(secretary, Role.ISO_SECRETARY)
    assert Assignment.objects.filter(agency__path__startswith=scope[0]).count() > 1
    learner = User.objects.get(username="learner")
    assert access.has_role(learner, Role.LEARNER)
    assert learner.official.assignments.get().agency.path.startswith(new_province.path)

    counts = (
        Agency.objects.count(),
        Official.objects.count(),
        Assignment.objects.count(),
        User.objects.count(),
    )
    call_command("load_demo", force=True)
    assert (
        Agency.objects.count(),
        Official.objects.count(),
        Assignment.objects.count(),
        User.objects.count(),
    ) == counts
    assert Agency.find_problems() == ([], [], [], [], [])


@pytest.mark.django_db
@pytest.mark.parametrize("allow", [False, True])
def test_load_demo_refuses_production_settings(settings, allow, monkeypatch):
    """Production settings refuse whatever LMS_ALLOW_DEMO says; nothing is written."""
    import importlib
    import sys

    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("LMS_ALLOW_DEMO", "1" if allow else "0")
    sys.modules.pop("lms.settings.production", None)
    production = importlib.import_module("lms.settings.production")
    settings.DEBUG = production.DEBUG
    settings.LMS_ALLOW_DEMO = production.LMS_ALLOW_DEMO
    with pytest.raises(CommandError, match="load_demo refused"):
        call_command("load_demo")
    assert not get_user_model().objects.filter(username="admin").exists()
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_load_demo_refuses_without_debug_unless_allowed(settings):
    settings.DEBUG = False
    settings.LMS_ALLOW_DEMO = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not get_user_model().objects.exists()


def test_load_demo_exits_non_zero_under_production(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": "x" * 50,
        "LMS_ALLOW_DEMO": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("CACHE_URL", None)
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "load_demo"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "load_demo refused" in done.stderr
