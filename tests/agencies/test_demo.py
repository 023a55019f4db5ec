import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

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
    call_command("load_demo")
    assert (
        Agency.objects.count(),
        Official.objects.count(),
        Assignment.objects.count(),
        User.objects.count(),
    ) == counts
    assert Agency.find_problems() == ([], [], [], [], [])
