"""Reminders before an assigned course's due date, and overdue digests to ISO secretaries."""

import datetime

from django.utils import translation

from lms.core.models import OutboxMessage, Role
from lms.core.outbox import outbox_send_due
from lms.courses.services import due_reminders_send, overdue_digests_send
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.factories.courses import EnrolmentFactory, build_course

TODAY = datetime.date(2026, 12, 1)


def _enrolment(course, agency, *, due, email="hv@example.gov.vn", **kwargs):
    official = OfficialFactory(email=email)
    AssignmentFactory(official=official, agency=agency, start_date=datetime.date(2025, 7, 1))
    return EnrolmentFactory(
        official=official, course=course, agency=agency, source="assigned", due_date=due, **kwargs
    )


def test_reminders_go_once_each_before_the_due_date(tree, mailoutbox):
    course = build_course(title="Đánh giá nội bộ")
    a1 = tree["commune_a1"]
    in_five = _enrolment(course, a1, due=TODAY + datetime.timedelta(days=5))
    tomorrow = _enrolment(course, a1, due=TODAY + datetime.timedelta(days=1))
    _enrolment(course, a1, due=TODAY + datetime.timedelta(days=20))  # too early
    _enrolment(course, a1, due=TODAY - datetime.timedelta(days=1))  # overdue: the digest's
    _enrolment(course, a1, due=TODAY + datetime.timedelta(days=3), completed_at="2026-11-30T10:00Z")
    _enrolment(course, a1, due=TODAY + datetime.timedelta(days=3), email="")  # no address
    assert due_reminders_send(today=TODAY) == 2
    keys = set(OutboxMessage.objects.values_list("key", flat=True))
    assert any(k.endswith(f":{in_five.pk}:2026-12-06:7") for k in keys)
    assert any(k.endswith(f":{tomorrow.pk}:2026-12-02:1") for k in keys)
    # The next day, nothing is sent again; four days later the 1-day reminder of in_five.
    assert due_reminders_send(today=TODAY + datetime.timedelta(days=1)) == 0
    assert due_reminders_send(today=TODAY + datetime.timedelta(days=5)) == 1
    assert due_reminders_send(today=TODAY + datetime.timedelta(days=5)) == 0
    with translation.override("en"):
        outbox_send_due()
    assert len(mailoutbox) == 3
    body = mailoutbox[0].body
    assert "Đánh giá nội bộ" in body and "/learn/" in body


def test_a_completed_course_gets_no_reminder_at_send_time(tree, mailoutbox):
    course = build_course()
    enrolment = _enrolment(course, tree["commune_a1"], due=TODAY + datetime.timedelta(days=2))
    assert due_reminders_send(today=TODAY) == 1
    enrolment.completed_at = "2026-12-01T08:00Z"
    enrolment.save()
    outbox_send_due()
    assert mailoutbox == []


def test_each_secretary_gets_a_weekly_digest_of_their_overdue_officials(
    tree, make_user, mailoutbox
):
    course = build_course(title="Rủi ro và cơ hội")
    secretary_a = make_user(
        role=Role.ISO_SECRETARY, agency=tree["province_a"], email="tk-a@example.gov.vn"
    )
    secretary_b = make_user(
        role=Role.ISO_SECRETARY, agency=tree["province_b"], email="tk-b@example.gov.vn"
    )
    make_user(role=Role.ISO_SECRETARY, agency=tree["commune_a2"], email="tk-a2@example.gov.vn")
    late = _enrolment(course, tree["commune_a1"], due=TODAY - datetime.timedelta(days=3))
    late.official.full_name = "Nguyễn Văn Trễ"
    late.official.save()
    _enrolment(course, tree["commune_a1"], due=TODAY + datetime.timedelta(days=3))  # not yet
    _enrolment(
        course,
        tree["commune_b1"],
        due=TODAY - datetime.timedelta(days=1),
        completed_at="2026-11-30T10:00Z",
    )
    # Only the province A secretary has someone overdue (the commune A2 one has nobody).
    assert overdue_digests_send(today=TODAY) == 1
    assert overdue_digests_send(today=TODAY + datetime.timedelta(days=2)) == 0  # same week
    outbox_send_due()
    assert [m.to for m in mailoutbox] == [["tk-a@example.gov.vn"]]
    assert "Nguyễn Văn Trễ" in mailoutbox[0].body and "Rủi ro và cơ hội" in mailoutbox[0].body
    assert "Xã A1" in mailoutbox[0].body
    assert secretary_b.email not in [m.to[0] for m in mailoutbox]
    # The next week, a new digest.
    assert overdue_digests_send(today=TODAY + datetime.timedelta(days=7)) == 1
    assert secretary_a.pk == OutboxMessage.objects.latest("pk").payload["user"]
