"""The trainer registers a named official on the spot and removes one from the roster; a
secretary sees which of their agency's officials are on a session (issue 12)."""

import pytest
from django.urls import reverse

from lms.core.models import Role
from lms.training import services
from lms.training.models import Registration, RegistrationSource, RegistrationStatus
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.factories.training_attendance import attendance_world


@pytest.fixture
def world(make_user, tree):
    found = attendance_world(make_user, tree, officials=2)
    found["session"].target_agencies.set([tree["commune_a1"]])
    return found


def _official(tree, name, agency="commune_a1"):
    official = OfficialFactory(full_name=name)
    AssignmentFactory(official=official, agency=tree[agency])
    return official


def test_trainer_finds_and_registers_a_named_official(client, world, tree):
    newcomer = _official(tree, "Hà Thị Đến Muộn")
    outsider = _official(tree, "Hà Thị Tỉnh Khác", agency="commune_b1")
    day = world["day"]
    kw = {"pk": day.session_id, "day_pk": day.pk}
    client.force_login(world["trainer"])
    page = client.get(reverse("training:roster_add", kwargs=kw), {"q": "Hà Thị"}).content.decode()
    assert "Hà Thị Đến Muộn" in page
    assert "Hà Thị Tỉnh Khác" not in page  # outside the session's target agencies
    response = client.post(reverse("training:roster_add", kwargs=kw), {"official": newcomer.pk})
    assert response.status_code == 302
    registration = Registration.objects.get(session=day.session, official=newcomer)
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.source == RegistrationSource.ADDED_BY_TRAINER
    assert registration.registered_by == world["trainer"]
    assert registration.history.first().history_user == world["trainer"]
    roster = client.get(reverse("training:attendance_take", kwargs=kw)).content.decode()
    assert "Hà Thị Đến Muộn" in roster
    # Someone outside the session's area cannot be posted in either.
    response = client.post(reverse("training:roster_add", kwargs=kw), {"official": outsider.pk})
    assert response.status_code == 404
    assert not Registration.objects.filter(official=outsider).exists()


def test_trainer_removes_an_official_with_a_reason_kept_in_history(client, world):
    registration = world["registrations"][1]
    url = reverse("training:registration_remove", args=[world["session"].pk, registration.pk])
    client.force_login(world["trainer"])
    detail = client.get(reverse("training:session_detail", args=[world["session"].pk]))
    assert url in detail.content.decode()
    assert client.post(url, {"reason": "   "}).status_code == 400
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert client.post(url, {"reason": "Chuyển công tác"}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    last = registration.history.first()
    assert last.history_user == world["trainer"]
    assert "Chuyển công tác" in last.history_change_reason


def test_remove_needs_a_reason_in_the_service(world):
    with pytest.raises(services.TrainingError):
        services.registration_remove(
            registration=world["registrations"][1], by=world["trainer"], reason=""
        )


def test_secretary_sees_which_of_their_people_are_registered(client, world, tree, make_user):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["commune_a1"], username="sec_a1")
    far = _official(tree, "Người Xã B1", agency="commune_b1")
    Registration.objects.create(
        session=world["session"],
        official=far,
        agency=tree["commune_b1"],
        status=RegistrationStatus.REGISTERED,
    )
    client.force_login(secretary)
    page = client.get(reverse("training:session_detail", args=[world["session"].pk]))
    section = page.content.decode().split('id="my-people"')[1].split("</section>")[0]
    for registration in world["registrations"]:
        assert registration.official.full_name in section
    assert "Người Xã B1" not in section
