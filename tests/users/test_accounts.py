"""Accounts for officials: creation with activation email, activation, login, leaving."""

import datetime
import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from lms.agencies.models import Assignment, ImportJob, Official
from lms.agencies.roster import read_roster
from lms.agencies.services import import_job_create, import_job_run, officials_import
from lms.core.models import OutboxMessage, Role
from lms.users import services
from lms.users.activation import activation_link
from lms.users.models import User
from tests.factories.agencies import AssignmentFactory, OfficialFactory

HEADER = "staff_code,full_name,email,agency\n"
ROWS = HEADER + "BN-001,Nguyễn Văn An,An@Example.org,91001\nBN-002,Trần Thị Bình,,91001\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _link_from(body: str) -> str:
    return re.search(r"https?://\S+/accounts/activate/\S+/", body).group(0)


def test_import_creates_accounts_for_rows_with_email_and_mails_each_once(
    tree, django_capture_on_commit_callbacks
):
    rows = read_roster(ROWS.encode(), "roster.csv")
    with django_capture_on_commit_callbacks(execute=True):
        result = officials_import(rows=rows, create_accounts=True)
    assert (result.accounts_created, result.activation_mails) == (1, 1)
    an = Official.objects.get(staff_code="BN-001")
    assert an.user.username == "BN-001"
    assert an.user.email == "an@example.org"
    assert not an.user.has_usable_password()
    assert Official.objects.get(staff_code="BN-002").user is None
    assert [m.to for m in mail.outbox] == [["an@example.org"]]
    assert "/accounts/activate/" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        again = officials_import(rows=rows, create_accounts=True)
    assert again.accounts_created == 0
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1


def test_import_without_the_option_creates_no_account(tree):
    officials_import(rows=read_roster(ROWS.encode(), "roster.csv"))
    assert not User.objects.exists()


def test_command_option_creates_accounts(tree, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROWS, encoding="utf-8")
    call_command("import_officials", str(path), "--create-accounts")
    assert Official.objects.get(staff_code="BN-001").user is not None
    assert OutboxMessage.objects.filter(kind="users.activation").count() == 1


def test_background_job_creates_accounts(tree, make_user):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    job = import_job_create(
        filename="roster.csv",
        content=ROWS.encode(),
        rows=2,
        within_paths=[tree["province_a"].path],
        by=secretary,
        create_accounts=True,
    )
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE
    assert job.result["accounts_created"] == 1
    user = Official.objects.get(staff_code="BN-001").user
    assert user.history.get().history_user == secretary


def test_accounts_in_bulk_cost_a_fixed_number_of_queries(tree, django_assert_max_num_queries):
    officials = [OfficialFactory(staff_code=f"Q{n}") for n in range(30)]
    with django_assert_max_num_queries(12):
        result = services.accounts_create(
            officials=Official.objects.filter(pk__in=[o.pk for o in officials])
        )
    assert result.created == result.mailed == 30


def test_username_taken_falls_back_to_the_official_id(tree, make_user):
    make_user(username="BN-001")
    official = OfficialFactory(staff_code="BN-001")
    services.accounts_create(officials=[official])
    official.refresh_from_db()
    assert official.user.username == f"official-{official.pk}"


def test_activation_link_sets_the_password_once_and_logs_in(client, tree):
    official = OfficialFactory(staff_code="BN-009", email="chi@example.org")
    services.accounts_create(officials=[official])
    official.refresh_from_db()
    link = activation_link(official.user)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Mật-khẩu-2026!", "new_password2": "Mật-khẩu-2026!"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:activated")
    assert client.session["_auth_user_id"] == str(official.user.pk)
    client.logout()
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False
    assert "Không thể dùng đường dẫn kích hoạt này" in response.content.decode()


def test_activation_mail_is_skipped_once_the_account_is_active(tree):
    from lms.core.outbox import outbox_send_due

    official = OfficialFactory(staff_code="BN-010", email="d@example.org")
    services.accounts_create(officials=[official])
    official.refresh_from_db()
    official.user.set_password("x-Long-Password-1")
    official.user.save()
    outbox_send_due()
    assert mail.outbox == []


def _request():
    return RequestFactory().post("/accounts/login/")


def test_login_with_staff_code_email_or_username(tree, make_user):
    user = make_user(
        username="nva",
        email="Nva@Example.org",
        password="pw-Secret-123",
        official_agency=tree["commune_a1"],
    )
    user.official.staff_code = "BN-100"
    user.official.save()
    for identifier in ("BN-100", "bn-100", "nva@example.org", "NVA@EXAMPLE.ORG", "nva"):
        assert authenticate(_request(), username=identifier, password="pw-Secret-123") == user
    assert authenticate(_request(), username="BN-100", password="wrong") is None


def test_login_refuses_an_identifier_naming_two_logins(tree, make_user):
    first = make_user(username="first", email="same@example.org", password="pw-Secret-123")
    make_user(username="second", email="SAME@example.org", password="pw-Secret-123")
    assert authenticate(_request(), username="same@example.org", password="pw-Secret-123") is None
    # A username that is also another person's staff code is ambiguous too.
    other = make_user(
        username="other", password="pw-Secret-123", official_agency=tree["commune_a1"]
    )
    other.official.staff_code = "first"
    other.official.save()
    assert authenticate(_request(), username="first", password="pw-Secret-123") is None
    assert first.is_active


def test_login_page_names_the_accepted_identifiers(client, db):
    with translation.override("vi"):
        response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="vi")
    assert "Mã cán bộ, email hoặc tên đăng nhập" in response.content.decode()


def test_leaver_is_deactivated_daily_and_reactivation_is_recorded(tree, make_user):
    from lms.users.tasks import deactivate_leavers

    admin = make_user(role=Role.ADMIN)
    stays = make_user(official_agency=tree["commune_a1"], password="pw-Secret-123")
    leaves = make_user(official_agency=tree["commune_a1"], password="pw-Secret-123")
    today = datetime.date.today()
    Assignment.objects.filter(official=leaves.official).update(
        end_date=today - datetime.timedelta(days=1)
    )
    assert deactivate_leavers() == 1
    leaves.refresh_from_db()
    stays.refresh_from_db()
    assert (leaves.is_active, stays.is_active) == (False, True)
    assert leaves.history.latest().history_change_reason == "deactivated: no current post"
    services.account_reactivate(user=leaves, by=admin, reason="Hợp đồng đào tạo đến 31/12")
    assert services.accounts_deactivate_leavers() == 0  # the ended post was seen when reactivating
    latest = leaves.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        admin,
        "Hợp đồng đào tạo đến 31/12",
    )
    later = AssignmentFactory(official=leaves.official, agency=tree["commune_a2"], start_date=today)
    assert services.accounts_deactivate_leavers() == 0
    later.end_date = today
    later.save()
    assert services.accounts_deactivate_leavers(today=today + datetime.timedelta(days=1)) == 1


def test_login_history_writes_no_row(client, tree, make_user):
    user = make_user(username="hist", password="pw-Secret-123")
    before = user.history.count()
    response = client.post(reverse("login"), {"username": "hist", "password": "pw-Secret-123"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.history.count() == before


def test_thousands_of_accounts_cost_a_constant_per_batch_and_mail_in_chunks(
    tree, monkeypatch, django_assert_max_num_queries, settings
):
    from lms.core.outbox import outbox_send_due

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(services, "BATCH", 100)
    officials = [
        Official(full_name=f"Cán bộ {n}", staff_code=f"K{n:04d}", email=f"k{n}@example.org")
        for n in range(1050)
    ]
    Official.objects.bulk_create(officials)
    batches = []
    with django_assert_max_num_queries(11 * 9 + 3):  # 11 batches of at most 9 queries
        result = services.accounts_create(
            officials=Official.objects.filter(staff_code__startswith="K"),
            on_batch=lambda r: batches.append(r.created),
        )
    assert result.created == result.mailed == 1050
    assert batches == [*range(100, 1001, 100), 1050]
    pending = OutboxMessage.objects.filter(kind="users.activation", status="pending")
    assert pending.count() == 1050
    # The outbox sends them in chunks, like every other notification.
    assert outbox_send_due(limit=500) == 500
    assert len(mail.outbox) == 500 and pending.count() == 550


def test_a_background_import_reports_its_progress(tree, make_user, monkeypatch, client):
    from django.core.cache import cache

    from lms.agencies import services as agency_services

    monkeypatch.setattr(agency_services, "PROGRESS_EVERY", 2)
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    rows = HEADER + "".join(f"P-{n},Cán bộ {n},p{n}@example.org,91001\n" for n in range(5))
    job = import_job_create(
        filename="roster.csv",
        content=rows.encode(),
        rows=5,
        within_paths=[tree["province_a"].path],
        by=secretary,
        create_accounts=True,
    )
    seen = []
    real_set = cache.set

    def record(key, value, *args, **kwargs):
        if key == agency_services.import_job_progress_key(job.pk):
            seen.append(dict(value))
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", record)
    import_job_run(job_id=job.pk)
    assert [s["saved"] for s in seen] == [2, 4, 5, 5]
    assert seen[-1] == {"saved": 5, "rows": 5, "accounts_created": 5, "activation_mails": 5}
    assert agency_services.import_job_progress(job.pk) is None  # gone once finished

    # While a job runs, its page shows the progress and the counts.
    running = ImportJob.objects.create(
        filename="big.csv",
        rows=20000,
        created_by=secretary,
        create_accounts=True,
        status=ImportJob.Status.RUNNING,
    )
    real_set(
        agency_services.import_job_progress_key(running.pk),
        {"saved": 20000, "rows": 20000, "accounts_created": 7000, "activation_mails": 6990},
    )
    client.force_login(secretary)
    page = client.get(reverse("agencies:import_job", args=[running.pk])).content.decode()
    assert '<progress id="import-progress" max="20000" value="20000">' in page
    assert "7000" in page and "6990" in page
