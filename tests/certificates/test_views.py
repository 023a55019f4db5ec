"""Certificate pages: my certificates, download, verification, revoke and reissue, progress."""

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.certificates import services
from lms.certificates.models import Certificate, CertificateStatus, IssueBatch
from lms.core.models import Role
from tests.factories.training import TrainingSessionFactory

from .conftest import days


def _verify(client, code, **extra):
    return client.get(f"/verify/{code}/", **extra)


def _rendered(response) -> bool:
    """Whether the verify page's template was rendered for this response (not the cache's)."""
    return "certificates/verify.html" in [t.name for t in response.templates]


def test_my_certificates_lists_them_with_download_links(client, issued, holder):
    client.force_login(holder)
    response = client.get(reverse("certificates:mine"))
    body = response.content.decode()
    assert response.status_code == 200
    assert issued.course_title in body
    assert reverse("certificates:download", args=[issued.code]) in body
    assert reverse("certificates:mine") in body  # the menu link


def test_the_holder_downloads_the_stored_pdf(client, issued, holder):
    client.force_login(holder)
    response = client.get(reverse("certificates:download", args=[issued.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{issued.code}.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_verify_page_shows_the_facts_and_nothing_else_personal(client, issued, holder):
    response = _verify(client, issued.code)
    body = response.content.decode()
    assert response.status_code == 200
    for shown in ("Nguyễn Thị Hồng Nhung", "Xã A1", issued.course_title, issued.code):
        assert shown in body
    assert f"{issued.issued_on:%d/%m/%Y}" in body and f"{issued.valid_until:%d/%m/%Y}" in body
    for hidden in (holder.official.email, holder.username, str(issued.score)):
        assert hidden not in body
    assert 'class="badge badge-ok"' in body


def test_verify_accepts_a_typed_code_in_lower_case_without_dashes(client, issued):
    response = _verify(client, issued.code.lower().replace("-", ""))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "code",
    ["ABCDE-FGHJK-MNPQR-STVWX", "not-a-code", "x", "A" * 28, "ABCDE-FGHJK-MNPQR-STVW*"],
)
def test_unknown_or_malformed_codes_are_a_themed_404(client, db, code):
    response = client.get(f"/verify/{code}/")
    assert response.status_code == 404


def test_overlong_codes_are_a_404_not_a_500(client, db):
    assert client.get("/verify/" + "A" * 5000 + "/").status_code == 404
    assert client.get(reverse("certificates:mine") + "A" * 300 + "/pdf/").status_code in (302, 404)


def test_verify_shows_revoked_with_date_and_reason_after_the_cache(
    client, issued, make_user, tree, django_capture_on_commit_callbacks
):
    assert "badge-ok" in _verify(client, issued.code).content.decode()  # now cached
    again = _verify(client, issued.code)
    assert "badge-ok" in again.content.decode() and _rendered(again) is False
    admin = make_user(role=Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(certificate=issued, by=admin, reason="Cấp nhầm khóa học")
    revoked = _verify(client, issued.code)
    body = revoked.content.decode()
    assert _rendered(revoked) is True
    assert "badge-danger" in body and "Cấp nhầm khóa học" in body
    assert f"{timezone.localdate():%d/%m/%Y}" in body


def test_verify_shows_expired_after_the_date(client, issued, monkeypatch):
    _verify(client, issued.code)
    assert _rendered(_verify(client, issued.code)) is False  # from the cache
    last_day = issued.valid_until
    monkeypatch.setattr(timezone, "localdate", lambda *a: last_day)
    assert "badge-ok" in _verify(client, issued.code).content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda *a: last_day + days(1))
    expired = _verify(client, issued.code)
    assert _rendered(expired) is True and "badge-warn" in expired.content.decode()


def test_verify_is_rate_limited_per_client(client, issued, settings):
    settings.CERTIFICATE_VERIFY_RATE = "3/m"
    codes = [issued.code, "ABCDE-FGHJK-MNPQR-STVWX", issued.code]
    assert [_verify(client, c).status_code for c in codes] == [200, 404, 200]
    assert _verify(client, issued.code).status_code == 429
    other = _verify(client, issued.code, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


def test_verify_page_runs_a_fixed_number_of_queries(client, issued, django_assert_max_num_queries):
    _verify(client, issued.code)
    with django_assert_max_num_queries(0):
        assert _verify(client, issued.code).status_code == 200


def test_secretary_revokes_with_confirmation_and_reason(client, issued, make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    client.force_login(secretary)
    url = reverse("certificates:revoke", args=[issued.code])
    page = client.get(url)
    assert page.status_code == 200 and "Nguyễn Thị Hồng Nhung" in page.content.decode()
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    assert Certificate.objects.get().status == CertificateStatus.VALID
    done = client.post(url, {"reason": "Cấp nhầm người"})
    assert done.status_code == 302
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.REVOKED and issued.revoked_by == secretary
    again = client.post(url, {"reason": "Lần nữa"}, follow=True)
    assert "already revoked" in again.content.decode() or "đã bị thu hồi" in (
        again.content.decode()
    )
    assert Certificate.objects.get().revoked_reason == "Cấp nhầm người"


def test_secretary_of_another_province_cannot_revoke(client, issued, make_user, tree):
    outsider = make_user(role=Role.ISO_SECRETARY, agency=tree["province_b"])
    client.force_login(outsider)
    response = client.post(reverse("certificates:revoke", args=[issued.code]), {"reason": "x"})
    assert response.status_code == 403
    assert Certificate.objects.get().status == CertificateStatus.VALID


def test_reissue_view_replaces_the_certificate(client, issued, make_user, tree):
    admin = make_user(role=Role.ADMIN)
    client.force_login(admin)
    response = client.post(
        reverse("certificates:reissue", args=[issued.code]),
        {"reason": "Sai tên", "holder_name": "Nguyễn Thị Hồng Nhụng", "agency_name": "Xã A1"},
    )
    new = Certificate.objects.get(replaces=issued)
    assert response.status_code == 302 and response["Location"].endswith(f"/{new.code}/")
    detail = client.get(response["Location"]).content.decode()
    assert "Nguyễn Thị Hồng Nhụng" in detail and issued.code in detail


def test_manage_list_is_scoped_and_searchable(client, issued, make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    outsider = make_user(role=Role.ISO_SECRETARY, agency=tree["province_b"])
    client.force_login(secretary)
    url = reverse("certificates:manage")
    assert issued.code in client.get(url, {"q": "Hồng"}).content.decode()
    assert issued.code not in client.get(url, {"q": "Trần"}).content.decode()
    client.force_login(outsider)
    assert issued.code not in client.get(url).content.decode()


def test_trainer_sees_batch_progress_on_the_session_page(client, make_user, tree):
    trainer = make_user(role=Role.TRAINER, agency=tree["province_a"])
    session = TrainingSessionFactory(host_agency=tree["commune_a1"], status="closed")
    IssueBatch.objects.create(session=session, status="running", total=300, issued=120)
    client.force_login(trainer)
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "120" in page and "300" in page and 'data-poll="' in page
    assert "js/progress-poll.js" in page
    IssueBatch.objects.update(status="done", issued=300)
    fragment = client.get(reverse("certificates:session_progress", args=[session.pk]))
    body = fragment.content.decode()
    assert "300" in body and "data-poll" not in body


def test_cached_verify_page_carries_each_visitors_own_csrf_token(client, issued):
    import re

    from django.test import Client

    first = _verify(client, issued.code).content.decode()
    other = _verify(Client(), issued.code).content.decode()
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        for page in (first, other)
    ]
    assert tokens[0] != tokens[1]
    assert "\x00" not in other and "Nguyễn Thị Hồng Nhung" in other


def test_recent_verify_pages_are_bounded_and_least_recent_goes_first():
    from lms.certificates.views import _RecentPages

    pages = _RecentPages(size=2)
    pages.put("a", "A")
    pages.put("b", "B")
    assert pages.get("a") == "A"  # now the most recent
    pages.put("c", "C")
    assert (pages.get("a"), pages.get("b"), pages.get("c")) == ("A", None, "C")


def test_the_cached_page_token_is_accepted_by_the_csrf_check(issued):
    """The language form of a cached verify page posts through Django's CSRF check, for a
    visitor who had no CSRF cookie and for one who had."""
    import re

    from django.test import Client

    for visitor in (Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)):
        for _ in range(2):  # the second visit has the cookie the first one set
            page = _verify(visitor, issued.code)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
            assert "csrftoken" in visitor.cookies
            posted = visitor.post(
                reverse("set_language"),
                {"language": "en", "next": "/", "csrfmiddlewaretoken": token.group(1)},
            )
            assert posted.status_code == 302, posted.status_code
    bad = Client(enforce_csrf_checks=True)
    _verify(bad, issued.code)
    refused = bad.post(reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
