"""A small tree across the 2025 merger, with records on both sides of it."""

import datetime

import pytest
from django.utils import timezone

from lms.agencies.models import AgencyKind, PositionKind
from tests.competencies.conftest import courses, framework  # noqa: F401
from tests.factories.agencies import (
    AgencyFactory,
    AssignmentFactory,
    OfficialFactory,
    SuccessionFactory,
)
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import EnrolmentFactory
from tests.factories.training import (
    AttendanceFactory,
    RegistrationFactory,
    SessionDayFactory,
    TrainingSessionFactory,
)

MERGER = datetime.date(2025, 7, 1)
CLOSED = datetime.date(2025, 6, 30)


def _aware(day: datetime.date):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


@pytest.fixture
def tree(db, framework, courses, django_capture_on_commit_callbacks):  # noqa: F811
    """Old province OP → district D → commune OC (closed 30/06/2025, merged into P and C2);
    new province P → communes C1, C2 and a department; outside: province Q.

    Built as committed work: the signals mark the agencies concerned, and the marks are processed
    as before a dashboard is read (nothing is rebuilt by hand)."""
    from lms.reports.services import summaries_refresh_pending

    with django_capture_on_commit_callbacks(execute=True):
        built = _build()
    summaries_refresh_pending()
    return built


def _build():
    today = timezone.localdate()
    old = AgencyFactory(kind=AgencyKind.PROVINCE, code="90", name="Tỉnh Cũ", valid_to=CLOSED)
    district = AgencyFactory(parent=old, kind=AgencyKind.DISTRICT, name="Huyện Cũ", valid_to=CLOSED)
    old_commune = AgencyFactory(
        parent=district, kind=AgencyKind.COMMUNE, name="Xã Cũ", valid_to=CLOSED
    )
    province = AgencyFactory(
        kind=AgencyKind.PROVINCE, code="91", name="Tỉnh Mới", valid_from=MERGER
    )
    c1 = AgencyFactory(parent=province, kind=AgencyKind.COMMUNE, name="Xã Một", valid_from=MERGER)
    c2 = AgencyFactory(parent=province, kind=AgencyKind.WARD, name="Phường Hai", valid_from=MERGER)
    dept = AgencyFactory(parent=province, kind=AgencyKind.DEPARTMENT, name="Sở KH&CN", code="")
    other = AgencyFactory(kind=AgencyKind.PROVINCE, code="92", name="Tỉnh Khác")
    SuccessionFactory(predecessor=old, successor=province, date=MERGER)
    SuccessionFactory(predecessor=old_commune, successor=c2, date=MERGER)

    from lms.courses.models import CoursePage

    awareness = CoursePage.objects.get(code="ISO-NT")
    audit = CoursePage.objects.get(code="ISO-DGNB")
    people = {}

    def official(name, *posts):
        person = OfficialFactory(full_name=name)
        for agency, kind, start, end in posts:
            AssignmentFactory(
                official=person, agency=agency, position_kind=kind, start_date=start, end_date=end
            )
        people[name] = person
        return person

    s = PositionKind.SPECIALIST
    moved = official(
        "An Văn Chuyển",
        (old_commune, s, datetime.date(2023, 1, 1), CLOSED),
        (c2, PositionKind.ISO_SECRETARY, MERGER, None),
    )
    left = official("Bùi Thị Nghỉ", (old_commune, s, datetime.date(2023, 1, 1), CLOSED))
    official("Cao Văn Huyện", (district, PositionKind.LEADER, datetime.date(2022, 1, 1), CLOSED))
    one = official("Đặng Thị Một", (c1, s, MERGER, None))
    two = official("Đỗ Văn Hai", (c1, PositionKind.INTERNAL_AUDITOR, MERGER, None))
    # Two posts: the later one is the main post.
    both = official(
        "Hà Thị Hai Nơi",
        (dept, s, datetime.date(2025, 8, 1), None),
        (c2, s, datetime.date(2026, 1, 1), None),
    )
    outsider = official("Ông Ngoài", (other, s, datetime.date(2020, 1, 1), None))

    # Certificates: valid, expiring soon, expired, revoked, issued before the merger.
    CertificateFactory(
        official=moved, course=awareness, issued_on=datetime.date(2025, 3, 1), agency=old_commune
    )
    CertificateFactory(
        official=left, course=awareness, issued_on=datetime.date(2025, 2, 1), agency=old_commune
    )
    CertificateFactory(
        official=one,
        course=awareness,
        issued_on=today - datetime.timedelta(days=300),
        valid_until=today + datetime.timedelta(days=30),
        agency=c1,
    )
    CertificateFactory(
        official=two,
        course=audit,
        issued_on=datetime.date(2025, 9, 1),
        valid_until=today - datetime.timedelta(days=1),
        agency=c1,
    )
    CertificateFactory(
        official=two,
        course=awareness,
        issued_on=datetime.date(2025, 9, 1),
        agency=c1,
        status="revoked",
        revoked_at=_aware(datetime.date(2025, 10, 1)),
    )
    CertificateFactory(
        official=outsider,
        course=awareness,
        issued_on=datetime.date(2024, 1, 1),
        valid_until=today + datetime.timedelta(days=10),
        agency=other,
    )
    CertificateFactory(
        official=both,
        course=audit,
        issued_on=datetime.date(2025, 9, 1),
        agency=dept,
        valid_until=today + datetime.timedelta(days=80),
    )

    # Completions and attendance before and after the merger.
    EnrolmentFactory(
        official=moved,
        course=awareness,
        agency=old_commune,
        completed_at=_aware(datetime.date(2025, 2, 20)),
    )
    EnrolmentFactory(
        official=left,
        course=awareness,
        agency=old_commune,
        completed_at=_aware(datetime.date(2025, 1, 15)),
    )
    EnrolmentFactory(
        official=one,
        course=awareness,
        agency=c1,
        completed_at=_aware(today - datetime.timedelta(days=301)),
    )
    EnrolmentFactory(official=two, course=audit, agency=c1, completed_at=None)
    EnrolmentFactory(
        official=outsider,
        course=awareness,
        agency=other,
        completed_at=_aware(datetime.date(2024, 1, 1)),
    )
    old_session = TrainingSessionFactory(host_agency=district, course=awareness)
    old_day = SessionDayFactory(session=old_session, date=datetime.date(2025, 3, 5))
    for person in (moved, left):
        reg = RegistrationFactory(session=old_session, official=person, agency=old_commune)
        AttendanceFactory(day=old_day, registration=reg)
    new_session = TrainingSessionFactory(host_agency=province, course=audit)
    new_days = [
        SessionDayFactory(session=new_session, date=datetime.date(2025, 10, d)) for d in (1, 2)
    ]
    reg = RegistrationFactory(session=new_session, official=two, agency=c1)
    AttendanceFactory(day=new_days[0], registration=reg, status="absent")
    AttendanceFactory(day=new_days[1], registration=reg, status="late")
    reg = RegistrationFactory(session=new_session, official=one, agency=c1)
    AttendanceFactory(day=new_days[0], registration=reg, status="absent")
    return {
        "old": old,
        "district": district,
        "old_commune": old_commune,
        "province": province,
        "c1": c1,
        "c2": c2,
        "dept": dept,
        "other": other,
        "people": people,
    }
