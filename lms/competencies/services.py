"""Writes: competency records recomputed from certificates.

A record is derived data: for each official and competency it says whether a valid certificate
(not revoked, not expired) of a course granting the competency exists, and which one is the
evidence: the one valid longest (no expiry beats any date; ties go to the latest issued). When
none is valid any more the record stays, not held, with the day its last certificate ran out
(``valid_until``), or none if it was revoked. Absence of a record means "never held".

Recomputing is set-based (a fixed number of queries per chunk of officials) and idempotent:
run it twice and nothing changes the second time (``updated_at`` moves only on a change).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lms.certificates.models import Certificate, CertificateStatus

from .models import Competency, CompetencyRecord

CHUNK = 1000


@dataclass(frozen=True)
class RecomputeResult:
    officials: int
    created: int
    updated: int


def _grants() -> dict[int, list[int]]:
    """course id -> ids of the competencies it grants (active or not: records stay truthful)."""
    through = Competency.courses.through
    grants: dict[int, list[int]] = {}
    for competency_id, course_id in through.objects.values_list("competency_id", "coursepage_id"):
        grants.setdefault(course_id, []).append(competency_id)
    return grants


def _better(candidate: dict, best: dict | None) -> bool:
    """Is ``candidate`` better evidence than ``best``? No expiry wins, then the later expiry,
    then the later issue (and the larger id, so the choice never depends on row order)."""
    if best is None:
        return True

    def key(row):
        until = row["valid_until"]
        return (until is None, until or datetime.date.min, row["issued_on"], row["pk"])

    return key(candidate) > key(best)


def _recompute_chunk(official_ids: list[int], grants, today: datetime.date, now) -> tuple[int, int]:
    certificates = Certificate.objects.filter(
        official_id__in=official_ids,
        course_id__in=list(grants),
        status=CertificateStatus.VALID,
    ).values("pk", "official_id", "course_id", "valid_until", "issued_on")
    evidence: dict[tuple[int, int], dict] = {}
    lapsed: dict[tuple[int, int], datetime.date] = {}
    for row in certificates:
        valid = row["valid_until"] is None or row["valid_until"] >= today
        for competency_id in grants.get(row["course_id"], ()):
            key = (row["official_id"], competency_id)
            if valid:
                if _better(row, evidence.get(key)):
                    evidence[key] = row
            elif lapsed.get(key) is None or row["valid_until"] > lapsed[key]:
                lapsed[key] = row["valid_until"]

    existing = {
        (r.official_id, r.competency_id): r
        for r in CompetencyRecord.objects.filter(official_id__in=official_ids)
    }
    to_create, to_update = [], []
    for key in set(evidence) | set(lapsed) | set(existing):
        best = evidence.get(key)
        if best is not None:
            wanted = {
                "held": True,
                "certificate_id": best["pk"],
                "valid_until": best["valid_until"],
            }
        else:
            wanted = {"held": False, "certificate_id": None, "valid_until": lapsed.get(key)}
        record = existing.get(key)
        if record is None:
            to_create.append(
                CompetencyRecord(official_id=key[0], competency_id=key[1], updated_at=now, **wanted)
            )
        elif any(getattr(record, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(record, field, value)
            record.updated_at = now
            to_update.append(record)
    if to_create:
        CompetencyRecord.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        CompetencyRecord.objects.bulk_update(
            to_update, ["held", "certificate_id", "valid_until", "updated_at"], batch_size=500
        )
    return len(to_create), len(to_update)


def records_recompute(
    *, official_ids: Iterable[int] | None = None, today: datetime.date | None = None
) -> RecomputeResult:
    """Bring the competency records of ``official_ids`` (everyone with a certificate or a record
    when None) in line with their certificates as of ``today``."""
    today = today or timezone.localdate()
    now = timezone.now()
    grants = _grants()
    if official_ids is None:
        ids = set(Certificate.objects.values_list("official_id", flat=True).distinct())
        ids |= set(CompetencyRecord.objects.values_list("official_id", flat=True).distinct())
    else:
        ids = set(official_ids)
    ordered = sorted(ids)
    created = updated = 0
    for start in range(0, len(ordered), CHUNK):
        with transaction.atomic():
            c, u = _recompute_chunk(ordered[start : start + CHUNK], grants, today, now)
        created += c
        updated += u
    return RecomputeResult(officials=len(ordered), created=created, updated=updated)


def records_recompute_for_certificate(*, certificate: Certificate) -> RecomputeResult:
    """What the certificate signals call: the holder's records only."""
    return records_recompute(official_ids=[certificate.official_id])


def records_recompute_all_later() -> None:
    """Queue a recompute of everyone once the current transaction commits (framework edits)."""
    from .tasks import recompute_records

    transaction.on_commit(recompute_records.delay)
