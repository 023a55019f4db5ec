"""From the untrained officials' list, "Assign a course" and "Invite to a session" open their
forms with the agency (and the list's position and course) already chosen; nobody pre-fills an
agency outside their own scope."""

import re

import pytest
from django.urls import reverse

from lms.core.models import Role
from tests.factories.core import RoleAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(make_user, tree):
    return make_user(
        role=Role.ISO_SECRETARY, agency=tree["province"], official_agency=tree["other"]
    )


@pytest.fixture
def trainer(make_user, tree):
    """A steering member of the province who also trains there."""
    user = make_user(role=Role.STEERING, agency=tree["province"], official_agency=tree["other"])
    RoleAssignmentFactory(user=user, role=Role.TRAINER, agency=tree["province"])
    return user


def _selected(html, name):
    """The values chosen in the select or the ticked boxes named ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select:
        return set(re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(1)))
    boxes = re.findall(rf'<input type="checkbox" name="{name}" value="([^"]*)"[^>]*checked', html)
    return set(boxes)


def test_untrained_list_links_to_the_prefilled_forms_with_its_filters(client, trainer, tree):
    client.force_login(trainer)
    pk = tree["province"].pk
    html = client.get(
        reverse("reports:report", args=[pk, "untrained"]), {"position_kind": "internal_auditor"}
    ).content.decode()
    assign = reverse("reports:untrained_assign", args=[pk])
    invite = reverse("reports:untrained_invite", args=[pk])
    assert f'href="{assign}?position_kind=internal_auditor"' in html
    assert f'href="{invite}?position_kind=internal_auditor"' in html


def test_assign_form_opens_with_the_agency_and_position_chosen(client, secretary, tree):
    from lms.courses.models import CoursePage

    course = CoursePage.objects.get(code="ISO-NT")
    client.force_login(secretary)
    pk = tree["province"].pk
    response = client.get(
        reverse("reports:untrained_assign", args=[pk]),
        {"position_kind": "specialist", "course": course.pk},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert _selected(html, "agencies") == {str(pk)}
    assert _selected(html, "position_kinds") == {"specialist"}
    assert _selected(html, "course") == {str(course.pk)}
    assert f'action="{reverse("courses:assign")}"' in html
    # What the form sends is what the courses' own page accepts (counted, not yet assigned).
    preview = client.post(
        reverse("courses:assign"),
        {"course": course.pk, "agencies": [pk], "position_kinds": ["specialist"], "preview": "1"},
    )
    assert preview.status_code == 200 and preview.context["preview"]["total"] >= 1
    # Without a position filter: every position left open.
    html = client.get(reverse("reports:untrained_assign", args=[pk])).content.decode()
    assert _selected(html, "agencies") == {str(pk)} and _selected(html, "position_kinds") == set()


def test_invite_opens_a_new_session_targeting_the_agency(client, trainer, tree):
    client.force_login(trainer)
    pk = tree["province"].pk
    response = client.get(
        reverse("reports:untrained_invite", args=[pk]), {"position_kind": "specialist"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["target_agencies"] == [pk]
    assert form.initial["target_positions"] == ["specialist"]
    html = response.content.decode()
    assert f'action="{reverse("training:session_create")}"' in html
    assert _selected(html, "target_positions") == {"specialist"}
    from lms.training.forms import agency_ref

    field = re.search(r'<input type="text" name="target_agencies"[^>]*>', html).group(0)
    assert f'value="{agency_ref(tree["province"])}"' in field


def test_nobody_prefills_an_agency_outside_their_scope(client, secretary, trainer, make_user, tree):
    other = tree["other"].pk
    for user in (secretary, trainer):
        client.force_login(user)
        for name in ("reports:untrained_assign", "reports:untrained_invite"):
            assert client.get(reverse(name, args=[other])).status_code == 403, (user, name)
    # A secretary (no trainer role) assigns but does not create sessions: no invite form.
    client.force_login(secretary)
    province = tree["province"].pk
    assert client.get(reverse("reports:untrained_invite", args=[province])).status_code == 403
    html = client.get(reverse("reports:report", args=[province, "untrained"])).content.decode()
    assert "untrained-assign" in html and "untrained-invite" not in html
    # Trains in one commune only: may not target the whole province.
    commune_trainer = make_user(
        role=Role.STEERING, agency=tree["province"], official_agency=tree["other"]
    )
    RoleAssignmentFactory(user=commune_trainer, role=Role.TRAINER, agency=tree["c1"])
    client.force_login(commune_trainer)
    assert client.get(reverse("reports:untrained_invite", args=[province])).status_code == 403
    assert client.get(reverse("reports:untrained_invite", args=[tree["c1"].pk])).status_code == 200
    # A provincial administrator sees the lists but assigns nothing.
    admin = make_user(role=Role.PROVINCIAL_ADMIN, agency=tree["province"])
    client.force_login(admin)
    assert client.get(reverse("reports:untrained_assign", args=[province])).status_code == 403


def test_prefill_refuses_bad_filters(client, secretary, tree):
    client.force_login(secretary)
    url = reverse("reports:untrained_assign", args=[tree["province"].pk])
    response = client.get(url, {"position_kind": "javascript:alert(1)"})
    assert response.status_code == 400 and "javascript:alert" not in response.content.decode()
