"""Printed one-time activation codes for officials without email."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from lms.core.models import Role
from lms.users import codes
from lms.users.models import ActivationCode
from lms.users.services import accounts_create
from tests.factories.agencies import AssignmentFactory, OfficialFactory

PASSWORD = "Mật-khẩu-2026!"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _official(agency, code="BN-7", email=""):
    official = OfficialFactory(staff_code=code, email=email, full_name="Đặng Thị Ngọc Ánh")
    AssignmentFactory(official=official, agency=agency)
    accounts_create(officials=[official])
    official.refresh_from_db()
    return official


def test_codes_are_long_unambiguous_and_stored_hashed(tree):
    official = _official(tree["commune_a1"])
    [slip] = codes.activation_codes_issue(officials=[official])
    raw = slip.code.replace("-", "")
    assert len(raw) >= 10
    assert set(raw) <= set(codes.ALPHABET)
    assert not set("0O1IL") & set(codes.ALPHABET)
    stored = ActivationCode.objects.get(user=official.user)
    assert raw not in stored.code_hash and slip.code not in stored.code_hash
    assert codes.activation_code_user(staff_code="bn-7", code=raw.lower()) == official.user
    assert codes.activation_code_user(staff_code="BN-7", code="ABCD-EFGH-JKMN") is None
    stored.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    stored.save()
    assert codes.activation_code_user(staff_code="BN-7", code=slip.code) is None


def test_activated_logins_get_no_code(tree):
    official = _official(tree["commune_a1"])
    official.user.set_password(PASSWORD)
    official.user.save()
    assert codes.activation_codes_issue(officials=[official]) == []


def test_sheet_prints_vietnamese_names(tree):
    official = _official(tree["commune_a1"])
    slips = codes.activation_codes_issue(officials=[official])
    pdf = codes.code_sheet_pdf(slips=slips)
    assert pdf.startswith(b"%PDF")
    import io

    from pypdf import PdfReader  # noqa: PLC0415 - only this test reads PDFs back

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Đặng Thị Ngọc Ánh" in text and slips[0].code in text


def test_code_page_sets_the_password_once_and_logs_in(client, tree):
    official = _official(tree["commune_a1"])
    [slip] = codes.activation_codes_issue(officials=[official])
    url = reverse("accounts:activate_code")
    data = {
        "staff_code": "BN-7",
        "code": slip.code,
        "new_password1": PASSWORD,
        "new_password2": PASSWORD,
    }
    response = client.post(url, {**data, "code": "WRONG-CODE-XXXX"})
    assert response.status_code == 200
    official.user.refresh_from_db()
    assert not official.user.has_usable_password()
    response = client.post(url, data)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(official.user.pk)
    official.user.refresh_from_db()
    assert official.user.check_password(PASSWORD)
    client.logout()
    response = client.post(url, data)
    assert response.status_code == 200  # used: refused
    assert "_auth_user_id" not in client.session


def test_code_page_is_rate_limited(client, tree, settings):
    settings.ACTIVATION_CODE_RATE = "2/h"
    url = reverse("accounts:activate_code")
    for _ in range(2):
        client.post(url, {"staff_code": "X", "code": "Y"})
    [slip] = codes.activation_codes_issue(officials=[_official(tree["commune_a2"], code="BN-8")])
    response = client.post(
        url,
        {
            "staff_code": "BN-8",
            "code": slip.code,
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        },
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_secretary_prints_a_code_sheet_for_ticked_officials(client, tree, make_user):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    official = OfficialFactory(staff_code="BN-9", email="")
    AssignmentFactory(official=official, agency=tree["commune_a1"])
    client.force_login(secretary)
    response = client.post(
        reverse("agencies:create_accounts", args=[tree["province_a"].pk]),
        {"official": [official.pk], "codes": "1"},
    )
    assert response["Content-Type"] == "application/pdf"
    official.refresh_from_db()
    assert ActivationCode.objects.filter(user=official.user).exists()
    assert re.match(rb"%PDF", response.content)
