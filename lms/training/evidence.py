"""Scanned sign-in sheets kept as private attendance evidence (TCVN ISO 9001:2015, 7.5).

A scan is accepted only when its first bytes say it is a PDF, JPEG, PNG or WebP file whose
extension matches; it is stored under PRIVATE_MEDIA_ROOT with its size and SHA-256, and served
only by ``views_attendance.attendance_evidence`` after the session's permission check.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .models import AttendanceEvidence, SessionDay

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
# Content type found in the file's first bytes -> the extensions such a file may carry.
EVIDENCE_TYPES = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
    "image/webp": {".webp"},
}
# How sheet_import named the Wagtail document in the attendance note (English and Vietnamese).
DOCUMENT_NOTE = re.compile(r"^(?:sign-in sheet, document #|danh sách ký tên, tài liệu số )(\d+)$")


class EvidenceError(Exception):
    """The scan was refused; the message names the file."""


@dataclass(frozen=True)
class CheckedScan:
    content_type: str
    size: int
    sha256: str


def evidence_check(upload) -> CheckedScan:
    """Size, then type by magic bytes (not by name), then the SHA-256 of the whole file."""
    name = getattr(upload, "name", "") or ""
    suffix = PurePath(name).suffix.lower()
    allowed = set().union(*EVIDENCE_TYPES.values())
    if suffix not in allowed:
        raise EvidenceError(
            _("%(file)s: the scanned sheet must be a PDF or an image (JPG, PNG, WebP).")
            % {"file": name}
        )
    if upload.size > EVIDENCE_MAX_BYTES:
        raise EvidenceError(_("%(file)s: the scanned sheet is larger than 20 MB.") % {"file": name})
    upload.seek(0)
    kind = filetype.guess(upload.read(261))
    content_type = kind.mime if kind else ""
    if suffix not in EVIDENCE_TYPES.get(content_type, ()):
        raise EvidenceError(
            _(
                "%(file)s: the content is not a %(extension)s file (it was renamed or is damaged); "
                "upload the scan itself as PDF, JPG, PNG or WebP."
            )
            % {"file": name, "extension": suffix[1:].upper()}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedScan(content_type=content_type, size=upload.size, sha256=digest.hexdigest())


def evidence_store(*, day: SessionDay, upload, checked: CheckedScan, by) -> AttendanceEvidence:
    """Write the checked scan to the private store and record it."""
    evidence = AttendanceEvidence(
        day=day,
        original_name=PurePath(upload.name).name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.full_clean()
    evidence.save()
    return evidence


def evidence_from_documents(apps) -> int:
    """Move scans that sheet_import once kept as public Wagtail documents into the private store.

    Takes an app registry so the data migration (historical models) and tests share it.
    Returns the number of documents moved; each is deleted with its public file afterwards.
    """
    Document = apps.get_model("wagtaildocs", "Document")
    Attendance = apps.get_model("training", "Attendance")
    AttendanceChange = apps.get_model("training", "AttendanceChange")
    Evidence = apps.get_model("training", "AttendanceEvidence")
    changes: dict[int, list] = {}
    for change in AttendanceChange.objects.filter(method="sheet", evidence__isnull=True).only(
        "pk", "note", "attendance_id"
    ):
        found = DOCUMENT_NOTE.match(change.note)
        if found:
            changes.setdefault(int(found.group(1)), []).append(change)
    moved = 0
    for document in Document.objects.filter(pk__in=list(changes)).select_related(
        "uploaded_by_user"
    ):
        rows = changes[document.pk]
        attendance_ids = {c.attendance_id for c in rows}
        day_id = Attendance.objects.filter(pk__in=attendance_ids).values_list("day_id", flat=True)
        with document.file.open("rb") as handle:
            content = handle.read()
        kind = filetype.guess(content[:261])
        evidence = Evidence(
            day_id=day_id.first(),
            original_name=PurePath(document.file.name).name[:255],
            content_type=kind.mime if kind else "application/octet-stream",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=document.uploaded_by_user,
            uploaded_at=document.created_at,
        )
        evidence.file.save(document.file.name, ContentFile(content), save=False)
        evidence.save()
        AttendanceChange.objects.filter(pk__in=[c.pk for c in rows]).update(evidence=evidence)
        Attendance.objects.filter(pk__in=attendance_ids, method="sheet", note=rows[0].note).update(
            evidence=evidence
        )
        document.file.delete(save=False)
        document.delete()
        moved += 1
    return moved
