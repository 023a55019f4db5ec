"""The self-service profile: name spelling, email, phone, password, posts."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from lms.agencies.models import Assignment, Official
from lms.users.profile import normalize_phone
from tests.factories.agencies import AssignmentFactory
from tests.factories.users import UserFactory


def _post(client, **data):
    fields = {"full_name": "Nguyễn Văn An", "email": "an@example.org", "phone": ""}
    return client.post(reverse("account"), {**fields, **data})


def test_the_official_corrects_name_email_and_phone_and_history_keeps_the_old_name(client, learner):
    official = learner.official
    old_name = official.full_name
    client.force_login(learner)
    response = _post(
        client, full_name="  Nguyễn   Thị  Ánh ", email="anh@example.org", phone="0912 345 678"
    )
    assert response.status_code == 302
    official.refresh_from_db()
    learner.refresh_from_db()
    assert (official.full_name, official.email, official.phone) == (
        "Nguyễn Thị Ánh",
        "anh@example.org",
        "0912345678",
    )
    assert (learner.full_name, learner.email) == ("Nguyễn Thị Ánh", "anh@example.org")
    change = official.history.order_by("-history_id").first()
    assert change.full_name == "Nguyễn Thị Ánh"
    assert change.history_user == learner
    assert change.prev_record.full_name == old_name
    # The email change is pointed out on the next page.
    page = client.get(reverse("account")).content.decode()
    assert "anh@example.org" in page


def test_an_email_of_another_account_is_refused_and_nothing_is_saved(client, learner):
    UserFactory(username="other", email="Chung@Example.org")
    client.force_login(learner)
    before = learner.email
    response = _post(client, email="chung@example.org", full_name="Tên Mới")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    learner.refresh_from_db()
    assert learner.email == before
    assert Official.objects.get(user=learner).full_name != "Tên Mới"


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "+84912345678"),
        ("(024) 3825-1234", "02438251234"),
        ("", ""),
    ],
)
def test_vietnamese_phone_numbers_are_stored_without_separators(raw, stored):
    assert normalize_phone(raw) == stored


@pytest.mark.parametrize(
    "raw", ["12345678", "0912", "+1 202 555 0100", "09123456789012", "0912abc678"]
)
def test_other_phone_numbers_are_refused(client, learner, raw):
    client.force_login(learner)
    response = _post(client, phone=raw)
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert Official.objects.get(user=learner).phone != raw


def test_a_password_change_keeps_this_session_and_ends_the_others(learner):
    here, elsewhere = Client(), Client()
    here.force_login(learner)
    elsewhere.force_login(learner)
    response = here.post(
        reverse("password_change"),
        {
            "old_password": "demo12345",
            "new_password1": "Hoa-Sen-2026-moi",
            "new_password2": "Hoa-Sen-2026-moi",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("account")).status_code == 200
    assert elsewhere.get(reverse("account")).status_code == 302


def test_my_posts_lists_past_and_current_posts_with_the_agency_of_the_time(client, learner, tree):
    Assignment.objects.filter(official=learner.official).update(end_date=datetime.date(2025, 6, 30))
    AssignmentFactory(
        official=learner.official,
        agency=tree["commune_a2"],
        position_title="Thư ký ISO",
        start_date=datetime.date(2025, 7, 1),
    )
    client.force_login(learner)
    page = client.get(reverse("account")).content.decode()
    assert tree["commune_a1"].name in page and tree["commune_a2"].name in page
    assert "Thư ký ISO" in page
    assert "30/06/2025" in page
