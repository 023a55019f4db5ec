"""A closed session's certificates, issued in the background for the whole roster."""

import pytest

from lms.certificates import services
from lms.certificates.models import Certificate, CertificateRule, IssueBatch
from lms.core.models import Role
from lms.training import services as training_services
from lms.training.models import TrainingSession
from tests.factories.courses import build_course
from tests.factories.training import AttendanceFactory, RegistrationFactory, session_with_days


@pytest.fixture
def closed_world(make_user, tree, django_capture_on_commit_callbacks):
    """A one-day session of a course: three attended, one did not; the trainer closes it."""
    trainer = make_user(role=Role.TRAINER, agency=tree["province_a"])
    course = build_course(lessons=1, title="Nhận thức chung về ISO 9001")
    course.certificate_validity_months = 36
    course.save_revision().publish()
    session = session_with_days(tree["commune_a1"], days=1, course=course)
    day = session.days.get()
    attended = [RegistrationFactory(session=session, agency=tree["commune_a1"]) for _ in range(3)]
    absent = RegistrationFactory(session=session, agency=tree["commune_a1"])
    for registration in attended:
        AttendanceFactory(day=day, registration=registration)
    return {
        "trainer": trainer,
        "session": session,
        "attended": attended,
        "absent": absent,
        "capture": django_capture_on_commit_callbacks,
    }


def _close(world, *, execute=True):
    with world["capture"](execute=execute):
        training_services.session_close(session=world["session"], by=world["trainer"])


def test_closing_issues_certificates_to_those_who_completed(closed_world):
    _close(closed_world)
    batch = IssueBatch.objects.get()
    assert batch.status == IssueBatch.Status.DONE
    assert (batch.total, batch.issued) == (3, 3)
    assert batch.requested_by == closed_world["trainer"]
    certificates = Certificate.objects.order_by("registration_id")
    assert [c.registration for c in certificates] == closed_world["attended"]
    for certificate in certificates:
        assert certificate.session == closed_world["session"]
        assert certificate.attendance_percent == 100
        assert certificate.pdf and certificate.pdf.storage.exists(certificate.pdf.name)
        assert certificate.agency_name == "Xã A1"
    assert not Certificate.objects.filter(official=closed_world["absent"].official).exists()


def test_a_batch_run_twice_gives_one_certificate_each(closed_world):
    _close(closed_world)
    batch = IssueBatch.objects.get()
    IssueBatch.objects.filter(pk=batch.pk).update(status=IssueBatch.Status.RUNNING)
    again = services.batch_run(batch_id=batch.pk)
    assert again.issued == 3
    assert Certificate.objects.count() == 3


def test_a_worker_stopped_mid_batch_leaves_no_half_certificate_and_a_rerun_finishes(
    closed_world, monkeypatch
):
    real = services.pdf.render
    drawn = []

    def dying(text):
        if len(drawn) == 2:
            raise SystemExit("worker killed")  # as a kill would: mid-PDF, nothing after it
        drawn.append(text.holder_name)
        return real(text)

    monkeypatch.setattr(services.pdf, "render", dying)
    with pytest.raises(SystemExit):
        _close(closed_world)
    batch = IssueBatch.objects.get()
    assert batch.status == IssueBatch.Status.RUNNING and batch.issued == 2
    assert Certificate.objects.count() == 2
    for certificate in Certificate.objects.all():  # each one whole: row and its PDF
        assert certificate.pdf and certificate.pdf.storage.exists(certificate.pdf.name)
    monkeypatch.setattr(services.pdf, "render", real)
    services.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == IssueBatch.Status.DONE and (batch.total, batch.issued) == (3, 3)
    assert Certificate.objects.count() == 3
    assert len(set(Certificate.objects.values_list("registration_id", flat=True))) == 3


def test_the_course_rule_can_switch_session_certificates_off(closed_world):
    from lms.certificates.models import CertificateRule

    CertificateRule.objects.create(course=closed_world["session"].course, sessions=False)
    _close(closed_world)
    assert not IssueBatch.objects.exists() and not Certificate.objects.exists()


def test_a_refresher_session_renews(closed_world, tree):
    """Attending another session of the course is the other renewal path: a new certificate."""
    _close(closed_world)
    first = Certificate.objects.get(registration=closed_world["attended"][0])
    refresher = session_with_days(tree["commune_a1"], days=1, course=first.course)
    registration = RegistrationFactory(
        session=refresher, official=first.official, agency=tree["commune_a1"]
    )
    AttendanceFactory(day=refresher.days.get(), registration=registration)
    with closed_world["capture"](execute=True):
        training_services.session_close(session=refresher, by=closed_world["trainer"])
    renewed = Certificate.objects.get(registration=registration)
    assert renewed.official == first.official and renewed.pk != first.pk


@pytest.mark.parametrize(
    "kinds,kind,issued",
    [
        ([], "workshop", 3),  # no kinds chosen: every kind issues
        (["training", "refresher"], "workshop", 0),
        (["training", "refresher"], "refresher", 3),
        (["workshop"], "workshop", 3),
    ],
)
def test_the_course_rule_chooses_the_kinds_of_session_that_issue(closed_world, kinds, kind, issued):
    session = closed_world["session"]
    CertificateRule.objects.create(course=session.course, session_kinds=kinds)
    TrainingSession.objects.filter(pk=session.pk).update(kind=kind)
    session.refresh_from_db()
    _close(closed_world)
    assert Certificate.objects.count() == issued
    assert IssueBatch.objects.count() == (1 if issued else 0)


def test_the_rule_admin_offers_the_session_kinds(admin_client, closed_world):
    from django.urls import reverse

    course = closed_world["session"].course
    response = admin_client.post(
        reverse("admin:certificates_certificaterule_add"),
        {"course": course.pk, "sessions": "on", "self_paced": "on", "session_kinds": ["training"]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CertificateRule.objects.get(course=course).session_kinds == ["training"]
    listing = admin_client.get(reverse("admin:certificates_certificaterule_changelist"))
    assert "Lớp tập huấn" in listing.content.decode()
