"""Two-factor login: admins must set up and use a TOTP device; secretaries and steering members
may, and then must; backup codes work once; the admins need the code too; a lost device is reset."""

from binascii import unhexlify

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.core.models import Role
from lms.users.otp import SETUP_KEY


@pytest.fixture
def otp_on(settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True


@pytest.fixture
def admin(make_user, tree):
    return make_user(role=Role.ADMIN, username="qtv", is_staff=True, is_superuser=True)


@pytest.fixture
def secretary(make_user, tree):
    return make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"], username="tk")


def _login(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": "demo12345"})
    assert response.status_code == 302
    return client


def _set_up(client) -> list[str]:
    """Go through the setup page with the code an authenticator app would show."""
    assert client.get(reverse("otp_setup")).status_code == 200
    key = client.session[SETUP_KEY]
    code = TOTP(unhexlify(key)).token()
    response = client.post(reverse("otp_setup"), {"token": f"{code:06d}"})
    assert response.status_code == 200
    return response.context["codes"]


def _current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    # The setup already used this time step's code (an app shows the same one until it ends),
    # and a wrong code just before makes django-otp wait a second: the test does not wait.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    return f"{TOTP(device.bin_key).token():06d}"


@pytest.mark.parametrize("path", ["/account/", "/admin/", "/django-admin/", "/learn/"])
def test_an_admin_without_a_device_reaches_only_the_setup_page(otp_on, admin, path):
    client = _login(admin)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


def test_setup_confirms_the_device_prints_backup_codes_once_and_opens_the_site(otp_on, admin):
    client = _login(admin)
    codes = _set_up(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("account")).status_code == 200
    assert SETUP_KEY not in client.session


def test_a_wrong_setup_code_confirms_nothing(otp_on, admin):
    client = _login(admin)
    client.get(reverse("otp_setup"))
    response = client.post(reverse("otp_setup"), {"token": "000000"})
    assert response.status_code == 200 and "token" in response.context["form"].errors
    # (one chance in a million that 000000 is the right code: then this test would say so)
    assert not TOTPDevice.objects.filter(user=admin).exists()


def test_each_admin_login_asks_for_the_code_after_the_password(otp_on, admin):
    _set_up(_login(admin))
    client = _login(admin)
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))
    response = client.post(reverse("otp_verify"), {"token": "123", "next": "/django-admin/"})
    assert response.status_code == 200 and "token" in response.context["form"].errors
    response = client.post(
        reverse("otp_verify"), {"token": _current_code(admin), "next": "/django-admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/django-admin/"
    assert client.get("/django-admin/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_backup_code_works_once(otp_on, admin):
    codes = _set_up(_login(admin))
    first = _login(admin)
    assert first.post(reverse("otp_verify"), {"token": codes[0]}).status_code == 302
    assert first.get(reverse("account")).status_code == 200
    second = _login(admin)
    response = second.post(reverse("otp_verify"), {"token": codes[0]})
    assert response.status_code == 200
    assert second.get(reverse("account")).status_code == 302
    assert StaticToken.objects.filter(device__user=admin).count() == 9


def test_the_verify_page_sends_only_to_local_addresses(otp_on, admin):
    _set_up(_login(admin))
    client = _login(admin)
    response = client.post(
        reverse("otp_verify"), {"token": _current_code(admin), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("account")


def test_with_the_setting_off_the_admin_logs_in_with_the_password(admin):
    client = _login(admin)
    assert client.get("/django-admin/").status_code == 200


def test_a_secretary_chooses_two_factor_and_then_must_use_it(otp_on, secretary):
    client = _login(secretary)
    assert client.get(reverse("account")).status_code == 200  # offered, not required
    assert 'href="/account/two-factor/"' in client.get(reverse("account")).content.decode()
    _set_up(client)
    again = _login(secretary)
    response = again.get(reverse("account"))
    assert response["Location"].startswith(reverse("otp_verify"))
    again.post(reverse("otp_verify"), {"token": _current_code(secretary)})
    assert again.get(reverse("account")).status_code == 200


def test_a_learner_is_not_offered_two_factor(learner):
    client = Client()
    client.force_login(learner)
    assert client.get(reverse("otp_setup")).status_code == 403
    assert "two-factor" not in client.get(reverse("account")).content.decode()


def test_a_lost_device_is_reset_by_command_and_set_up_again(otp_on, admin):
    _set_up(_login(admin))
    call_command("otp_reset", admin.username)
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert not StaticToken.objects.filter(device__user=admin).exists()
    client = _login(admin)
    assert client.get(reverse("account"))["Location"].startswith(reverse("otp_setup"))
