"""Tampered ids in posted forms get a clear 4xx answer, never a 500, and change nothing."""

import pytest
from django.urls import reverse

from lms.core.models import Role
from lms.training.attendance import walkin_add
from lms.training.models import Attendance, Registration, TrainingSession
from tests.factories.training_attendance import attendance_world

MALFORMED = ["abc", "", "1.5", "-3", "²", "١", "9" * 40, "1 OR 1=1"]
# Django's choice fields answer these with a form error. (A 40-digit id is fine on PostgreSQL
# but overflows in Django's SQLite driver, which only development uses.)
MALFORMED_CHOICES = ["abc", "1.5", "-3", "²", "1 OR 1=1"]


@pytest.fixture
def world(make_user, tree):
    return attendance_world(make_user, tree, officials=2)


@pytest.fixture
def trainer_client(client, world):
    client.raise_request_exception = False  # a crash must show as a 500, not as a test error
    client.force_login(world["trainer"])
    return client


@pytest.mark.parametrize("value", MALFORMED)
def test_attendance_mark_with_a_malformed_registration(trainer_client, world, value):
    day = world["day"]
    url = reverse("training:attendance_mark", kwargs={"pk": day.session_id, "day_pk": day.pk})
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = trainer_client.post(url, {"registration": value, "status": "present"}, **headers)
        assert response.status_code == 400
        assert "registration" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("value", MALFORMED)
def test_walkin_match_with_a_malformed_official(trainer_client, world, value):
    walk_in = walkin_add(day=world["day"], full_name="Người lạ", by=world["trainer"])
    url = reverse(
        "training:walkin_match", kwargs={"pk": world["session"].pk, "walkin_pk": walk_in.pk}
    )
    response = trainer_client.post(url, {"official": value})
    assert response.status_code == 400
    assert "official" in response.content.decode()
    walk_in.refresh_from_db()
    assert walk_in.matched_official is None


@pytest.mark.parametrize("value", MALFORMED_CHOICES)
def test_session_form_with_malformed_ids(trainer_client, world, tree, value):
    from tests.training.test_sessions import _form_data

    data = _form_data(tree["commune_a1"], host_agency=value, target_agencies=[value])
    data["trainers"] = [value]
    count = TrainingSession.objects.count()
    response = trainer_client.post(reverse("training:session_create"), data)
    assert response.status_code == 200
    assert {"host_agency", "target_agencies", "trainers"} <= set(response.context["form"].errors)
    assert TrainingSession.objects.count() == count


@pytest.mark.parametrize("value", MALFORMED_CHOICES)
def test_secretary_register_with_malformed_ids(client, make_user, tree, world, value):
    client.raise_request_exception = False
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["commune_a1"], username="sec")
    client.force_login(secretary)
    count = Registration.objects.count()
    url = reverse("training:secretary_register", args=[world["session"].pk])
    response = client.post(url, {"officials": [value]})
    assert response.status_code == 200
    assert "officials" in response.context["form"].errors
    assert Registration.objects.count() == count


@pytest.mark.parametrize("value", MALFORMED)
def test_quiz_answers_with_a_malformed_response_id(client, learner, value):
    from lms.quizzes import services
    from tests.factories.quizzes import make_quiz

    client.raise_request_exception = False
    sitting = services.sitting_start(quiz=make_quiz(1), user=learner)
    client.force_login(learner)
    url = reverse("quizzes:sitting", args=[sitting.pk])
    response = client.post(url, {"present": [value], f"r{value}": "1"})
    assert response.status_code == 302
    assert not sitting.responses.filter(answered_at__isnull=False).exists()
