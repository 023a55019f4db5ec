"""Records follow certificates: issue, revoke, expire, the evidence chosen, full recomputes."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from lms.certificates.models import Certificate
from lms.certificates.signals import certificate_expired, certificate_issued, certificate_revoked
from lms.competencies.models import Competency, CompetencyRecord, Requirement
from lms.competencies.services import records_recompute
from tests.factories.agencies import OfficialFactory
from tests.factories.certificates import CertificateFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _issue(**kwargs) -> Certificate:
    certificate = CertificateFactory(**kwargs)
    certificate_issued.send(sender=Certificate, certificate=certificate)
    return certificate


def _revoke(certificate: Certificate) -> None:
    certificate.status = "revoked"
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = "Cấp nhầm người"
    certificate.save()
    certificate_revoked.send(sender=Certificate, certificate=certificate)


def _record(official, competency) -> CompetencyRecord:
    return CompetencyRecord.objects.get(official=official, competency=competency)


def test_an_issued_certificate_gives_every_competency_its_course_grants(framework, courses):
    official = OfficialFactory()
    until = TODAY + 400 * DAY
    certificate = _issue(official=official, course=courses["awareness"], valid_until=until)
    for key in ("awareness", "smart"):
        record = _record(official, framework[key])
        assert record.held and record.certificate == certificate and record.valid_until == until
    assert not CompetencyRecord.objects.filter(official=official, competency=framework["audit"])


def test_the_evidence_is_the_certificate_valid_longest_and_no_expiry_wins(framework, courses):
    official = OfficialFactory()
    course = courses["awareness"]
    _issue(official=official, course=course, valid_until=TODAY + 100 * DAY)
    later = _issue(official=official, course=course, valid_until=TODAY + 900 * DAY)
    assert _record(official, framework["awareness"]).certificate == later
    forever = _issue(official=official, course=course, valid_until=None, source_key="x:1")
    record = _record(official, framework["awareness"])
    assert record.certificate == forever and record.valid_until is None
    # Another certificate with a date arriving later does not displace "no expiry".
    _issue(official=official, course=course, valid_until=TODAY + 2000 * DAY)
    assert _record(official, framework["awareness"]).certificate == forever


def test_revoking_the_evidence_falls_back_to_another_valid_certificate_then_to_nothing(
    framework, courses
):
    official = OfficialFactory()
    course = courses["awareness"]
    older = _issue(official=official, course=course, valid_until=TODAY + 200 * DAY)
    newer = _issue(official=official, course=course, valid_until=TODAY + 700 * DAY)
    _revoke(newer)
    record = _record(official, framework["awareness"])
    assert record.held and record.certificate == older
    _revoke(older)
    record = _record(official, framework["awareness"])
    assert not record.held and record.certificate is None and record.valid_until is None


def test_an_expired_certificate_leaves_the_record_not_held_with_the_day_it_lapsed(
    framework, courses
):
    official = OfficialFactory()
    ended = TODAY - DAY
    certificate = _issue(
        official=official,
        course=courses["audit"],
        issued_on=TODAY - 800 * DAY,
        valid_until=ended,
    )
    certificate_expired.send(sender=Certificate, certificate=certificate)
    record = _record(official, framework["audit"])
    assert not record.held and record.certificate is None and record.valid_until == ended


def test_recompute_after_the_framework_changes_and_twice_changes_nothing(framework, courses):
    official = OfficialFactory()
    other = OfficialFactory()
    CertificateFactory(official=official, course=courses["audit"], valid_until=None)
    CertificateFactory(official=other, course=courses["awareness"], valid_until=None)
    first = records_recompute()
    assert (first.officials, first.created, first.updated) == (2, 3, 0)
    # The awareness course stops granting SMART objectives: the record stays, not held.
    framework["smart"].courses.clear()
    out = io.StringIO()
    call_command("recompute_competency_records", stdout=out)
    assert "2 officials, 0 created, 1 updated" in out.getvalue()
    assert not _record(other, framework["smart"]).held
    again = records_recompute()
    assert (again.created, again.updated) == (0, 0)


def test_recompute_is_a_fixed_number_of_queries(framework, courses, django_assert_num_queries):
    officials = OfficialFactory.create_batch(30)
    for official in officials:
        CertificateFactory(official=official, course=courses["awareness"], valid_until=None)
    # grants, certificates, records, savepoint pair, bulk insert; whatever the number of officials.
    with django_assert_num_queries(6):
        result = records_recompute(official_ids=[o.pk for o in officials])
    assert result.created == 60


def test_the_admin_edits_the_framework_and_records_follow(
    framework, courses, admin_client, django_capture_on_commit_callbacks
):
    official = OfficialFactory()
    CertificateFactory(official=official, course=courses["audit"], valid_until=None)
    data = {
        "code": "RUI-RO",
        "name_vi": "Đánh giá rủi ro và cơ hội",
        "name_en": "Assessing risks and opportunities",
        "description": "",
        "clauses": '["6.1"]',
        "courses": [courses["audit"].pk],
        "active": "on",
        "requirements-TOTAL_FORMS": "1",
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
        "requirements-0-position_kind": "leader",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/django-admin/competencies/competency/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    risk = Competency.objects.get(code="RUI-RO")
    assert Requirement.objects.filter(competency=risk, position_kind="leader").exists()
    assert _record(official, risk).held, "the recompute queued by the admin ran"


def test_the_admin_refuses_a_malformed_clause_and_writes_nothing(framework, admin_client):
    data = {
        "code": "SAI",
        "name_vi": "Sai",
        "name_en": "Wrong",
        "clauses": '["7.2", "điều 9"]',
        "active": "on",
        "requirements-TOTAL_FORMS": "0",
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post("/django-admin/competencies/competency/add/", data)
    assert response.status_code == 200
    assert "điều 9" in response.content.decode()
    assert not Competency.objects.filter(code="SAI").exists()


@pytest.mark.django_db
def test_the_default_framework_maps_the_demo_courses_and_keeps_edits(courses):
    from lms.competencies.demo import framework_load
    from tests.factories.courses import build_course

    build_course(code="ISO-DT", lessons=1)
    assert framework_load() == 6
    awareness = Competency.objects.get(code="NHAN-THUC")
    assert list(awareness.courses.values_list("code", flat=True)) == ["ISO-NT"]
    assert awareness.clauses == ["7.3"]
    assert Requirement.objects.filter(competency=awareness).count() == 6
    assert set(
        Requirement.objects.filter(competency__code="DGNB").values_list("position_kind", flat=True)
    ) == {"internal_auditor"}
    assert set(
        Requirement.objects.filter(competency__code="THU-KY").values_list(
            "position_kind", flat=True
        )
    ) == {"iso_secretary"}
    assert Competency.objects.get(code="DGNB").clauses == ["9.2"]
    assert Competency.objects.get(code="MUC-TIEU").clauses == ["6.2"]
    assert Competency.objects.get(code="RUI-RO").clauses == ["6.1"]
    # An administrator's edit survives a second load.
    awareness.name_vi = "Nhận thức HTQLCL (sửa)"
    awareness.save()
    awareness.courses.clear()
    assert framework_load() == 0
    awareness.refresh_from_db()
    assert awareness.name_vi == "Nhận thức HTQLCL (sửa)" and not awareness.courses.exists()
