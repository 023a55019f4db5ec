"""300 officials checking in at the same moment, most of them twice: one row each (PostgreSQL)."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from lms.training.attendance import attendance_arrive, attendance_mark
from lms.training.models import Attendance, AttendanceChange, AttendanceMethod, Registration
from tests.factories.agencies import AgencyFactory, OfficialFactory
from tests.factories.training_attendance import DayFactory, SessionFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

OFFICIALS = 300
AT = datetime.datetime(2026, 12, 1, 1, 5, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_check_ins_make_exactly_one_row_each():
    agency = AgencyFactory(name="Xã Bắc Ninh")
    session = SessionFactory(host_agency=agency)
    day = DayFactory(session=session)
    officials = OfficialFactory.create_batch(OFFICIALS)
    registrations = Registration.objects.bulk_create(
        [
            Registration(session=session, official=o, agency=agency, status="registered")
            for o in officials
        ]
    )
    # Every official twice, half of them three times; mixed QR arrivals and trainer taps.
    calls = [r.pk for r in registrations] * 2 + [r.pk for r in registrations[::2]]

    def check_in(registration_pk: int) -> bool:
        try:
            registration = Registration.objects.select_related("session").get(pk=registration_pk)
            if registration_pk % 3:
                return attendance_arrive(
                    day=day, registration=registration, method=AttendanceMethod.QR, by=None, at=AT
                ).already
            return not attendance_mark(
                day=day,
                registration=registration,
                status="present",
                method="trainer",
                by=None,
                at=AT,
            ).changed
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        repeats = list(pool.map(check_in, calls))

    assert Attendance.objects.filter(day=day).count() == OFFICIALS
    assert Attendance.objects.filter(day=day).values("registration").distinct().count() == OFFICIALS
    assert sum(repeats) == len(calls) - OFFICIALS
    assert AttendanceChange.objects.filter(attendance__day=day).count() == OFFICIALS
