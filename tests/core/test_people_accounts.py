"""People and roles: a login for an official, and the activation email sent again on request."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lms.core.models import OutboxMessage, Role
from lms.core.outbox import outbox_send_due
from lms.users.activation import activation_link
from lms.users.services import RESEND_PAUSE, accounts_create, activation_resend
from tests.factories.agencies import AssignmentFactory, OfficialFactory


@pytest.fixture
def prov_a(make_user, tree):
    return make_user(
        role=Role.PROVINCIAL_ADMIN,
        agency=tree["province_a"],
        username="t_prov_acc",
        official_agency=tree["province_a"],
    )


@pytest.fixture
def newcomer(tree):
    official = OfficialFactory(
        full_name="Vũ Thị Hoa", email="hoa.vt@example.org", staff_code="BN-HOA", user=None
    )
    AssignmentFactory(official=official, agency=tree["commune_a1"])
    return official


def _activation_mails(user):
    return OutboxMessage.objects.filter(kind="users.activation", payload__user=user.pk)


def test_the_person_page_creates_a_login_with_its_activation_email(
    client, prov_a, newcomer, django_capture_on_commit_callbacks
):
    client.force_login(prov_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:login_create", args=[newcomer.pk]), follow=True)
    newcomer.refresh_from_db()
    user = newcomer.user
    assert user is not None and user.username == "BN-HOA" and not user.has_usable_password()
    assert "hoa.vt@example.org" in str(list(response.context["messages"])[0])
    assert _activation_mails(user).count() == 1
    # Twice: refused, no second login, no second mail.
    response = client.post(reverse("people:login_create", args=[newcomer.pk]), follow=True)
    assert "đã có tài khoản" in str(list(response.context["messages"])[0])
    assert _activation_mails(user).count() == 1


def test_a_login_outside_the_scope_is_refused(client, prov_a, tree):
    outsider = OfficialFactory(full_name="Người tỉnh B", email="b@example.org", user=None)
    AssignmentFactory(official=outsider, agency=tree["commune_b1"])
    client.force_login(prov_a)
    assert client.post(reverse("people:login_create", args=[outsider.pk])).status_code == 404
    outsider.refresh_from_db()
    assert outsider.user_id is None


def test_resend_sends_one_new_mail_per_click_and_pauses_repeated_clicks(
    client, prov_a, newcomer, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    accounts_create(officials=[newcomer])
    user = newcomer.user
    old_link = activation_link(user)
    outbox_send_due()
    assert len(mail.outbox) == 1
    url = reverse("people:activation_resend", args=[newcomer.pk])
    client.force_login(prov_a)

    # Right after the first mail: refused with a clear message, nothing queued.
    response = client.post(url, follow=True)
    assert "chưa đầy 10 phút" in str(list(response.context["messages"])[0])
    assert _activation_mails(user).count() == 1

    # Later: one new mail for one click; a second click at once is refused.
    OutboxMessage.objects.update(created_at=timezone.now() - RESEND_PAUSE - datetime.timedelta(1))
    response = client.post(url, follow=True)
    assert "hoa.vt@example.org" in str(list(response.context["messages"])[0])
    client.post(url)
    assert _activation_mails(user).count() == 2
    outbox_send_due()
    assert len(mail.outbox) == 2
    assert "/accounts/activate/" in mail.outbox[1].body
    # The first link still works (nothing used yet) ...
    path = old_link.split("/accounts/", 1)[1]
    page = client.get(f"/accounts/{path}", follow=True)
    assert "new_password1" in page.content.decode()


def test_no_resend_for_an_activated_inactive_or_mailless_login(newcomer):
    accounts_create(officials=[newcomer])
    user = newcomer.user
    far = timezone.now() + RESEND_PAUSE * 2
    user.set_password("Mat-khau-2026!")
    user.save()
    with pytest.raises(ValidationError, match="đã được kích hoạt"):
        activation_resend(user=user, now=far)
    user.set_unusable_password()
    user.is_active = False
    user.save()
    with pytest.raises(ValidationError, match="bị khóa"):
        activation_resend(user=user, now=far)
    user.is_active = True
    user.email = ""
    user.save()
    newcomer.email = ""
    newcomer.save()
    with pytest.raises(ValidationError, match="email"):
        activation_resend(user=user, now=far)
    assert _activation_mails(user).count() == 1


def test_a_provincial_admin_imports_officials_with_logins_inside_the_province(client, prov_a, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lms.agencies.models import Official

    def upload(text):
        return SimpleUploadedFile("can-bo.csv", text.encode("utf-8"), content_type="text/csv")

    header = "staff_code,full_name,email,agency\n"
    url = reverse("agencies:import_officials")
    client.force_login(prov_a)
    assert client.get(url).status_code == 200
    outside = header + "PA-1,Ngô Thị Mai,mai@example.org,91001\nPA-2,Lý Văn Nam,,92001\n"
    result = client.post(url, {"file": upload(outside), "create_accounts": "on"}).context["result"]
    assert [(e.row, e.field) for e in result.errors] == [(3, "agency")]
    assert not Official.objects.filter(staff_code__startswith="PA-").exists()
    inside = header + "PA-1,Ngô Thị Mai,mai@example.org,91001\nPA-2,Lý Văn Nam,,91002\n"
    result = client.post(url, {"file": upload(inside), "create_accounts": "on"}).context["result"]
    assert (result.created, result.accounts_created, result.activation_mails) == (2, 1, 1)


def test_a_secretary_sends_the_activation_email_again_from_the_agency_page(
    client, make_user, tree, newcomer
):
    secretary = make_user(
        role=Role.ISO_SECRETARY, agency=tree["commune_a1"], username="t_secretary_resend"
    )
    accounts_create(officials=[newcomer])
    OutboxMessage.objects.update(created_at=timezone.now() - RESEND_PAUSE * 2)
    url = reverse("agencies:create_accounts", args=[tree["commune_a1"].pk])
    client.force_login(secretary)
    response = client.post(url, {"official": [newcomer.pk], "resend": "1"}, follow=True)
    assert "Đã gửi lại 1 thư kích hoạt" in str(list(response.context["messages"])[0])
    assert _activation_mails(newcomer.user).count() == 2
    response = client.post(url, {"official": [newcomer.pk], "resend": "1"}, follow=True)
    assert "chưa đầy 10 phút" in str(list(response.context["messages"])[0])
    assert _activation_mails(newcomer.user).count() == 2
