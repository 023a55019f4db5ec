"""Scanned sign-in sheets are private evidence: checked by content, served by permission only."""

import hashlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from django.urls import reverse
from wagtail.documents import get_document_model

from lms.core.models import Role
from lms.training.attendance import attendance_mark, day_roster
from lms.training.evidence import evidence_from_documents
from lms.training.models import Attendance, AttendanceChange, AttendanceEvidence
from tests.factories.training_attendance import attendance_world

SCAN = b"%PDF-1.4 signed sheet of the day"


@pytest.fixture
def world(make_user, tree):
    found = attendance_world(make_user, tree, officials=3)
    found["secretary"] = make_user(
        role=Role.ISO_SECRETARY, agency=tree["province_a"], username="ev_secretary"
    )
    found["outsider"] = make_user(
        role=Role.TRAINER, agency=tree["province_b"], username="ev_out_trainer"
    )
    return found


def _import(client, world, scan=None):
    day = world["day"]
    rows = "".join(f"{e.number},present\n" for e in day_roster(day=day))
    client.force_login(world["trainer"])
    return client.post(
        reverse("training:sheet_upload", kwargs={"pk": day.session_id, "day_pk": day.pk}),
        {
            "data_file": SimpleUploadedFile("marks.csv", f"No.,status\n{rows}".encode()),
            "evidence": scan or SimpleUploadedFile("ky-ten.pdf", SCAN),
        },
    )


def _url(evidence):
    return reverse(
        "training:attendance_evidence",
        kwargs={"pk": evidence.day.session_id, "evidence_pk": evidence.pk},
    )


def test_import_keeps_the_scan_privately_and_links_every_mark(client, world):
    assert _import(client, world).status_code == 302
    evidence = AttendanceEvidence.objects.get()
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        "ky-ten.pdf",
        "application/pdf",
        len(SCAN),
    )
    assert evidence.sha256 == hashlib.sha256(SCAN).hexdigest()
    assert evidence.uploaded_by == world["trainer"]
    stored = Path(evidence.file.path)
    assert stored.read_bytes() == SCAN
    assert Path(settings.PRIVATE_MEDIA_ROOT) in stored.parents
    assert Path(settings.MEDIA_ROOT) not in stored.parents
    assert not get_document_model().objects.exists()
    assert Attendance.objects.count() == 3
    assert set(Attendance.objects.values_list("evidence", flat=True)) == {evidence.pk}
    assert set(AttendanceChange.objects.values_list("evidence", flat=True)) == {evidence.pk}
    take = client.get(
        reverse(
            "training:attendance_take",
            kwargs={"pk": world["day"].session_id, "day_pk": world["day"].pk},
        )
    )
    assert _url(evidence) in take.content.decode()
    report = client.get(reverse("training:session_report", args=[world["day"].session_id]))
    assert _url(evidence) in report.content.decode() and "ky-ten.pdf" in report.content.decode()


def test_scan_is_served_only_within_the_session_scope(client, world):
    _import(client, world)
    evidence = AttendanceEvidence.objects.get()
    url = _url(evidence)
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for user, status in (
        (world["outsider"], 403),
        (world["learner"], 403),
        (world["trainer"], 200),
        (world["secretary"], 200),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert b"".join(response.streaming_content) == SCAN
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"].startswith("attachment;")
            assert "ky-ten.pdf" in response["Content-Disposition"]
            assert response["X-Content-Type-Options"] == "nosniff"
    other = reverse(
        "training:attendance_evidence", kwargs={"pk": evidence.day.session_id + 1, "evidence_pk": 1}
    )
    assert client.get(other).status_code == 404


def test_scan_cannot_be_deleted_while_marks_rest_on_it(client, world):
    _import(client, world)
    evidence = AttendanceEvidence.objects.get()
    with pytest.raises(ProtectedError):
        evidence.delete()
    # Re-marked by hand, the rows no longer rest on the scan; their history still does.
    for attendance in Attendance.objects.all():
        attendance_mark(
            day=world["day"],
            registration=attendance.registration,
            status="absent",
            method="trainer",
            by=world["trainer"],
        )
    assert not Attendance.objects.filter(evidence__isnull=False).exists()
    with pytest.raises(ProtectedError):
        evidence.delete()
    assert AttendanceEvidence.objects.filter(pk=evidence.pk).exists()


@pytest.mark.parametrize(
    "name,content",
    [
        ("bien-ban.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("anh.png", b"\xff\xd8\xff\xe0 a JPEG renamed to .png"),
        ("chu-ky.jpg", b"MZ\x90\x00 a program renamed to .jpg"),
    ],
)
def test_renamed_or_fake_scan_is_refused_naming_the_file(client, world, name, content):
    response = _import(client, world, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert name in response.content.decode()
    assert not AttendanceEvidence.objects.exists() and not Attendance.objects.exists()


def test_scans_kept_as_public_documents_move_to_the_private_store(client, world):
    """What sheet_import stored before: a Wagtail document, named in the attendance note."""
    day = world["day"]
    document = get_document_model().objects.create(
        title="Danh sách ký – lớp – 01/12/2026",
        file=ContentFile(SCAN, name="scan.pdf"),
        uploaded_by_user=world["trainer"],
    )
    old_url = document.url
    public_file = Path(document.file.path)
    note = f"danh sách ký tên, tài liệu số {document.pk}"
    for entry in day_roster(day=day):
        attendance_mark(
            day=day,
            registration=entry.registration,
            status="present",
            method="sheet",
            by=world["trainer"],
            note=note,
        )
    assert client.get(old_url).status_code == 200

    assert evidence_from_documents(apps) == 1

    evidence = AttendanceEvidence.objects.get()
    assert (evidence.day, evidence.content_type, evidence.uploaded_by) == (
        day,
        "application/pdf",
        world["trainer"],
    )
    assert evidence.sha256 == hashlib.sha256(SCAN).hexdigest()
    assert set(Attendance.objects.values_list("evidence", flat=True)) == {evidence.pk}
    assert set(AttendanceChange.objects.values_list("evidence", flat=True)) == {evidence.pk}
    assert not get_document_model().objects.exists() and not public_file.exists()
    client.logout()
    assert client.get(old_url).status_code == 404
    client.force_login(world["trainer"])
    assert b"".join(client.get(_url(evidence)).streaming_content) == SCAN
    assert evidence_from_documents(apps) == 0
