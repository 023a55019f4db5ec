import datetime

import factory
from django.utils import timezone

from lms.training.models import (
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    Registration,
    RegistrationStatus,
    SessionDay,
    SessionStatus,
    TrainingSession,
)
from tests.factories.agencies import AgencyFactory, OfficialFactory


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    title = factory.Sequence(lambda n: f"Lớp tập huấn ISO {n}")
    host_agency = factory.SubFactory(AgencyFactory)
    venue = "Hội trường UBND"
    status = SessionStatus.OPEN
    min_attendance_percent = 100


class SessionDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionDay

    session = factory.SubFactory(TrainingSessionFactory)
    date = factory.Sequence(lambda n: datetime.date(2026, 12, 1) + datetime.timedelta(days=n))
    start_time = datetime.time(8, 0)
    end_time = datetime.time(11, 30)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(TrainingSessionFactory)
    official = factory.SubFactory(OfficialFactory)
    status = RegistrationStatus.REGISTERED
    registered_at = factory.LazyFunction(timezone.now)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    day = factory.SubFactory(SessionDayFactory)
    registration = factory.SubFactory(RegistrationFactory)
    status = AttendanceStatus.PRESENT
    method = AttendanceMethod.TRAINER


def session_with_days(host_agency, *, days=2, **kwargs) -> TrainingSession:
    session = TrainingSessionFactory(host_agency=host_agency, **kwargs)
    start = datetime.date(2026, 12, 1)
    for i in range(days):
        SessionDayFactory(session=session, date=start + datetime.timedelta(days=i))
    return session
