"""An official's request to correct their agency: created on the profile, decided by an ISO
secretary whose scope covers the current or the requested agency, notified through the outbox."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lms.agencies import services
from lms.agencies.models import AgencyChangeRequest, Assignment, ChangeRequestStatus, PositionKind
from lms.core.models import OutboxMessage, Role


@pytest.fixture
def secretaries(make_user, tree):
    return {
        "a": make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"], username="tk_a"),
        "b": make_user(role=Role.ISO_SECRETARY, agency=tree["province_b"], username="tk_b"),
    }


def _ask(client, learner, agency, **extra):
    client.force_login(learner)
    data = {"agency": agency.pk, "position_kind": PositionKind.ISO_SECRETARY, **extra}
    return client.post(reverse("agency_request") + "?q=x", data)


def test_the_search_offers_current_agencies_and_the_request_is_pending(client, learner, tree):
    client.force_login(learner)
    page = client.get(reverse("agency_request"), {"q": "Xã A"}).content.decode()
    assert tree["commune_a2"].name in page and tree["province_b"].name not in page
    response = _ask(client, learner, tree["commune_a2"], note="Tôi đã chuyển công tác")
    assert response.status_code == 302
    change = AgencyChangeRequest.objects.get()
    assert change.status == ChangeRequestStatus.PENDING
    assert change.current_agency == tree["commune_a1"] and change.agency == tree["commune_a2"]
    assert change.history.count() == 1


def test_a_second_request_waits_for_the_first(client, learner, tree):
    _ask(client, learner, tree["commune_a2"])
    response = _ask(client, learner, tree["department"])
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert AgencyChangeRequest.objects.count() == 1


def test_a_closed_agency_cannot_be_requested(client, learner, tree):
    tree["commune_a2"].valid_to = datetime.date(2025, 6, 30)
    tree["commune_a2"].save()
    response = _ask(client, learner, tree["commune_a2"])
    assert response.status_code == 200 and "agency" in response.context["form"].errors
    assert not AgencyChangeRequest.objects.exists()


def test_approval_moves_the_post_and_notifies_the_official(client, learner, tree, secretaries):
    _ask(client, learner, tree["commune_a2"], position_title="Thư ký ISO")
    change = AgencyChangeRequest.objects.get()
    client.force_login(secretaries["a"])
    listing = client.get(reverse("agencies:change_request_list")).content.decode()
    assert learner.official.full_name in listing
    response = client.post(
        reverse("agencies:change_request_detail", args=[change.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.APPROVED
    assert change.decided_by == secretaries["a"] and change.decided_at is not None
    today = timezone.localdate()
    posts = list(Assignment.objects.filter(official=learner.official).order_by("start_date"))
    assert [(p.agency, p.end_date) for p in posts] == [
        (tree["commune_a1"], today - datetime.timedelta(days=1)),
        (tree["commune_a2"], None),
    ]
    assert posts[1].position_kind == PositionKind.ISO_SECRETARY
    assert posts[1].position_title == "Thư ký ISO" and posts[1].start_date == today
    message = OutboxMessage.objects.get(kind="agencies.change_request")
    assert message.recipient in (learner.official.email, learner.email)
    # Decided once: a second decision is refused and changes nothing.
    with pytest.raises(ValidationError):
        services.agency_change_request_refuse(request_id=change.pk, by=secretaries["a"], reason="x")
    assert Assignment.objects.filter(official=learner.official).count() == 2


def test_a_refusal_needs_a_reason_and_leaves_the_posts(client, learner, tree, secretaries):
    _ask(client, learner, tree["commune_a2"])
    change = AgencyChangeRequest.objects.get()
    client.force_login(secretaries["a"])
    url = reverse("agencies:change_request_detail", args=[change.pk])
    response = client.post(url, {"decision": "refuse", "reason": "  "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    response = client.post(url, {"decision": "refuse", "reason": "Chưa có quyết định điều động"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.REFUSED
    assert change.reason == "Chưa có quyết định điều động"
    assert Assignment.objects.filter(official=learner.official, end_date__isnull=True).count() == 1
    assert OutboxMessage.objects.filter(kind="agencies.change_request").count() == 1
    assert [h.status for h in change.history.order_by("history_id")] == ["pending", "refused"]


def test_a_secretary_of_another_province_sees_nothing_and_a_forged_post_is_refused(
    client, learner, tree, secretaries
):
    _ask(client, learner, tree["commune_a2"])
    change = AgencyChangeRequest.objects.get()
    client.force_login(secretaries["b"])
    listing = client.get(reverse("agencies:change_request_list"))
    assert list(listing.context["page"].object_list) == []
    url = reverse("agencies:change_request_detail", args=[change.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "approve"}).status_code == 403
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.PENDING
    assert Assignment.objects.filter(official=learner.official).count() == 1


def test_the_secretary_of_the_requested_agency_sees_the_request(client, learner, tree, secretaries):
    _ask(client, learner, tree["commune_b1"])
    client.force_login(secretaries["b"])
    listing = client.get(reverse("agencies:change_request_list"))
    assert [c.official for c in listing.context["page"].object_list] == [learner.official]


def test_the_notice_tells_the_decision_and_the_reason(learner, tree, secretaries):
    from lms.core.outbox import RENDERERS

    change = services.agency_change_request_create(
        official=learner.official, agency=tree["commune_a2"], position_kind=PositionKind.SPECIALIST
    )
    services.agency_change_request_refuse(
        request_id=change.pk, by=secretaries["a"], reason="Sai mã đơn vị"
    )
    message = OutboxMessage.objects.get()
    mail = RENDERERS[message.kind](message)
    assert "Sai mã đơn vị" in mail.body and tree["commune_a2"].name in mail.body


def test_the_agency_list_links_secretaries_to_the_requests(client, learner, secretaries):
    link = reverse("agencies:change_request_list")
    client.force_login(secretaries["a"])
    assert link in client.get(reverse("agencies:agency_list")).content.decode()
