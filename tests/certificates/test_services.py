"""Issue, revoke, reissue, expire, remind and renew (lms/certificates/services.py)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from lms.certificates import services
from lms.certificates.models import (
    Certificate,
    CertificateNotice,
    CertificateRule,
    CertificateState,
    CertificateStatus,
)
from lms.certificates.signals import certificate_expired, certificate_issued, certificate_revoked
from lms.core.models import OutboxMessage, Role

from .conftest import complete_course, days, pass_quiz


class Heard:
    """Collects what a signal sends, connected for the test's duration."""

    def __init__(self, signal):
        self.signal, self.items = signal, []

    def __call__(self, sender, certificate, **kwargs):
        self.items.append(certificate.pk)

    def __enter__(self):
        self.signal.connect(self)
        return self

    def __exit__(self, *exc):
        self.signal.disconnect(self)


def test_completing_a_course_issues_one_certificate_with_its_evidence(
    holder, final_course, tree, django_capture_on_commit_callbacks
):
    with Heard(certificate_issued) as heard:
        complete_course(holder, final_course, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get()
    assert heard.items == [certificate.pk]
    assert certificate.source_key == f"enrolment:{certificate.enrolment_id}"
    assert certificate.holder_name == "Nguyễn Thị Hồng Nhung"
    assert certificate.agency == tree["commune_a1"]
    assert certificate.agency_name == "Xã A1"
    assert certificate.course_title == "Đánh giá nội bộ theo TCVN ISO 9001:2015"
    assert certificate.score == Decimal("100.00")
    assert certificate.valid_until == services.add_months(certificate.issued_on, 24)
    assert certificate.status == CertificateStatus.VALID and certificate.state == "valid"
    assert certificate.pdf and certificate.pdf_template
    assert 0 <= certificate.status_index < services.STATUS_LIST_SIZE
    mail = OutboxMessage.objects.get(kind="certificates.issued")
    assert mail.recipient == holder.official.email
    assert mail.payload == {"certificate": certificate.pk}
    assert list(certificate.history.values_list("history_type", flat=True)) == ["+"]


def test_issue_is_idempotent_per_source(issued):
    again = services.issue_for_enrolment(enrolment_id=issued.enrolment_id)
    assert again.pk == issued.pk
    assert Certificate.objects.count() == 1


def test_a_course_without_validity_issues_certificates_that_never_expire(
    holder, final_course, django_capture_on_commit_callbacks
):
    final_course.certificate_validity_months = None
    final_course.save_revision().publish()
    complete_course(holder, final_course, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get()
    assert certificate.valid_until is None
    assert certificate.state_on(datetime.date(2100, 1, 1)) == CertificateState.VALID


def test_the_course_rule_can_switch_self_paced_certificates_off(
    holder, final_course, django_capture_on_commit_callbacks
):
    CertificateRule.objects.create(course=final_course, self_paced=False)
    complete_course(holder, final_course, django_capture_on_commit_callbacks)
    assert not Certificate.objects.exists()


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert services.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert services.add_months(datetime.date(2026, 11, 29), 24) == datetime.date(2028, 11, 29)
    assert services.add_months(datetime.date(2027, 12, 15), 1) == datetime.date(2028, 1, 15)


def test_revocation_needs_a_reason_happens_once_and_is_in_the_history(
    issued, make_user, tree, django_capture_on_commit_callbacks
):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    with pytest.raises(services.CertificateError):
        services.certificate_revoke(certificate=issued, by=secretary, reason="   ")
    with Heard(certificate_revoked) as heard, django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(certificate=issued, by=secretary, reason="Cấp nhầm người")
    assert heard.items == [issued.pk]
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.REVOKED and issued.state == "revoked"
    assert issued.revoked_reason == "Cấp nhầm người" and issued.revoked_by == secretary
    with pytest.raises(services.CertificateError, match="already revoked|đã bị thu hồi"):
        services.certificate_revoke(certificate=issued, by=secretary, reason="Lần hai")
    last = issued.history.first()
    assert last.history_user == secretary
    assert last.history_change_reason == "Cấp nhầm người"
    assert last.status == CertificateStatus.REVOKED


def test_reissue_revokes_and_issues_a_replacement(issued, make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    new = services.certificate_reissue(
        certificate=issued,
        by=secretary,
        reason="Sai chính tả họ tên",
        holder_name="Nguyễn Thị Hồng Nhung (sửa)",
        agency_name="UBND xã A1",
    )
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.REVOKED
    assert new.replaces == issued and new.code != issued.code
    assert new.source_key == f"reissue:{issued.pk}"
    assert new.holder_name == "Nguyễn Thị Hồng Nhung (sửa)" and new.agency_name == "UBND xã A1"
    assert new.valid_until == issued.valid_until  # a correction does not extend validity
    assert new.score == issued.score
    with pytest.raises(services.CertificateError):
        services.certificate_reissue(
            certificate=issued, by=secretary, reason="x", holder_name="y", agency_name=""
        )
    assert Certificate.objects.count() == 2


def test_reminders_go_90_and_30_days_before_expiry_once_each(issued):
    expiry = issued.valid_until
    assert services.reminders_send(today=expiry - days(120)) == 0
    assert services.reminders_send(today=expiry - days(89)) == 1
    assert services.reminders_send(today=expiry - days(88)) == 0  # once
    assert services.reminders_send(today=expiry - days(29)) == 1
    assert services.reminders_send(today=expiry - days(5)) == 0
    kinds = set(issued.notices.values_list("kind", flat=True))
    assert kinds == {CertificateNotice.Kind.REMIND_90, CertificateNotice.Kind.REMIND_30}
    assert OutboxMessage.objects.filter(kind="certificates.reminder").count() == 2


def test_a_late_reminder_run_sends_only_the_30_day_one(issued):
    assert services.reminders_send(today=issued.valid_until - days(10)) == 1
    assert list(issued.notices.values_list("kind", flat=True)) == ["remind_30"]


def test_expiry_is_announced_once(issued, django_capture_on_commit_callbacks):
    after = issued.valid_until + days(1)
    with Heard(certificate_expired) as heard, django_capture_on_commit_callbacks(execute=True):
        assert services.expiry_process(today=issued.valid_until) == 0
        assert services.expiry_process(today=after) == 1
        assert services.expiry_process(today=after + days(1)) == 0
    assert heard.items == [issued.pk]
    assert issued.state_on(after) == CertificateState.EXPIRED


def test_revoked_certificates_are_neither_reminded_nor_expired(issued, make_user, tree):
    admin = make_user(role=Role.ADMIN)
    services.certificate_revoke(certificate=issued, by=admin, reason="Sai")
    assert services.reminders_send(today=issued.valid_until - days(20)) == 0
    assert services.expiry_process(today=issued.valid_until + days(1)) == 0


def test_passing_the_final_quiz_again_renews_an_expiring_certificate(
    issued, holder, django_capture_on_commit_callbacks, monkeypatch
):
    # Far from expiry: passing again changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(holder, issued.course.final_quiz)
    assert Certificate.objects.count() == 1
    # 60 days before expiry: passing again issues a renewed certificate.
    soon = issued.valid_until - days(60)
    monkeypatch.setattr(timezone, "localdate", lambda *a: soon)
    with django_capture_on_commit_callbacks(execute=True):
        sitting = pass_quiz(holder, issued.course.final_quiz)
    renewed = Certificate.objects.exclude(pk=issued.pk).get()
    assert renewed.source_key == f"renewal:{sitting.pk}:{issued.course_id}"
    assert renewed.issued_on == soon
    assert renewed.valid_until == services.add_months(soon, 24)
    assert not services.renewal_due(renewed, today=soon)


def test_pdf_is_rendered_once_and_again_only_for_a_new_template(issued, monkeypatch):
    name = issued.pdf.name
    same = services.certificate_pdf_ensure(certificate=issued)
    assert same.pdf.name == name
    monkeypatch.setattr(services.pdf, "template_digest", lambda: "new-layout")
    redrawn = services.certificate_pdf_ensure(certificate=issued)
    redrawn.refresh_from_db()
    assert redrawn.pdf_template == "new-layout"
    assert redrawn.pdf.storage.exists(redrawn.pdf.name)
    assert issued.history.count() == 1  # the certificate itself did not change


def test_a_taken_code_is_drawn_again(issued, holder, final_course, monkeypatch):
    codes = iter([issued.code, "ABCDE-FGHJK-MNPQR-STVWX"])
    monkeypatch.setattr(services, "new_code", lambda: next(codes))
    certificate, created = services.certificate_issue(
        source_key="test:other", official=holder.official, course=final_course
    )
    assert created and certificate.code == "ABCDE-FGHJK-MNPQR-STVWX"
