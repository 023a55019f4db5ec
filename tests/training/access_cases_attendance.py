"""Role × scope cases for the attendance URLs (merged into tests/training/access_cases.py)."""

from django.utils import timezone

from lms.core.models import Role
from lms.training import checkin
from lms.training.models import Registration, RegistrationStatus
from tests.factories.training_attendance import DayFactory, SessionFactory

# Trainers in scope of the host agency (province A) and platform admins.
TRAINERS = {"trainer", "admin"}


def _objects(world):
    """A session hosted by commune A1 with one day; the world's learner is registered."""
    cached = world.get("_attendance")
    if cached is None:
        session = SessionFactory(host_agency=world["commune_a1"], title="Lớp tập huấn ma trận")
        # Today: self check-in is open on the session day only.
        day = DayFactory(session=session, date=timezone.localdate())
        registration = Registration.objects.create(
            session=session,
            official=world[Role.LEARNER].official,
            agency=world["commune_a1"],
            status=RegistrationStatus.REGISTERED,
        )
        from lms.training.attendance import walkin_add

        walk_in = walkin_add(day=day, full_name="Người Vãng Lai", by=None)
        cached = world["_attendance"] = {
            "session": session,
            "day": day,
            "registration": registration,
            "walk_in": walk_in,
        }
    return cached


def _evidence_kwargs(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lms.training.evidence import evidence_check, evidence_store

    found = _objects(world)
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 signed")
    evidence = evidence_store(day=found["day"], upload=scan, checked=evidence_check(scan), by=None)
    return {"pk": found["session"].pk, "evidence_pk": evidence.pk}


def _day_kwargs(world):
    found = _objects(world)
    return {"pk": found["session"].pk, "day_pk": found["day"].pk}


def _checkin_kwargs(world):
    found = _objects(world)
    return {**_day_kwargs(world), "token": checkin.checkin_token_issue(day=found["day"])}


CASES = [
    {
        "name": "training:attendance_take",
        "kwargs": _day_kwargs,
        "allowed": TRAINERS,
        "scoped": True,
    },
    {
        "name": "training:attendance_mark",
        "kwargs": _day_kwargs,
        "method": "post",
        "data": lambda world: {
            "registration": _objects(world)["registration"].pk,
            "status": "present",
        },
        "allowed": TRAINERS,
        "scoped": True,
    },
    {
        "name": "training:checkin_display",
        "kwargs": _day_kwargs,
        "allowed": TRAINERS,
        "scoped": True,
    },
    {"name": "training:checkin_qr", "kwargs": _day_kwargs, "allowed": TRAINERS, "scoped": True},
    # Only officials on the roster may check in (the others are told to see the trainer).
    {"name": "training:checkin", "kwargs": _checkin_kwargs, "allowed": {"learner"}, "scoped": True},
    {"name": "training:card_scan", "kwargs": _day_kwargs, "allowed": TRAINERS, "scoped": True},
    {
        "name": "training:signin_sheet_pdf",
        "kwargs": _day_kwargs,
        "allowed": TRAINERS,
        "scoped": True,
    },
    {"name": "training:sheet_upload", "kwargs": _day_kwargs, "allowed": TRAINERS, "scoped": True},
    {"name": "training:sheet_template", "kwargs": _day_kwargs, "allowed": TRAINERS, "scoped": True},
    {"name": "training:walkin_add", "kwargs": _day_kwargs, "allowed": TRAINERS, "scoped": True},
    {"name": "training:roster_add", "kwargs": _day_kwargs, "allowed": TRAINERS, "scoped": True},
    {
        "name": "training:registration_remove",
        "kwargs": lambda world: {
            "pk": _objects(world)["session"].pk,
            "registration_pk": _objects(world)["registration"].pk,
        },
        "allowed": TRAINERS,
        "scoped": True,
    },
    {
        "name": "training:walkin_match",
        "kwargs": lambda world: {
            "pk": _objects(world)["session"].pk,
            "walkin_pk": _objects(world)["walk_in"].pk,
        },
        "allowed": TRAINERS,
        "scoped": True,
    },
    {
        "name": "training:roster_cards_pdf",
        "kwargs": lambda world: {"pk": _objects(world)["session"].pk},
        "allowed": TRAINERS,
        "scoped": True,
    },
    # Scanned sheets: whoever sees the attendance, and the host agency's ISO secretary.
    {
        "name": "training:attendance_evidence",
        "kwargs": _evidence_kwargs,
        "allowed": TRAINERS | {"steering", "iso_secretary"},
        "scoped": True,
    },
]
