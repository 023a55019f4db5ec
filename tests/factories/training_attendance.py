"""Factories for the attendance tests (sessions, days, registrations)."""

import datetime

import factory

from lms.training.models import (
    Registration,
    RegistrationStatus,
    SessionDay,
    SessionStatus,
    TrainingSession,
)

from .agencies import AgencyFactory, OfficialFactory


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    title = factory.Sequence(lambda n: f"Lớp tập huấn ISO 9001:2015 số {n}")
    host_agency = factory.SubFactory(AgencyFactory)
    venue = "Hội trường UBND tỉnh Bắc Ninh"
    status = SessionStatus.SCHEDULED
    late_after_minutes = 15


class DayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionDay

    session = factory.SubFactory(SessionFactory)
    date = factory.Sequence(lambda n: datetime.date(2026, 12, 1) + datetime.timedelta(days=n))
    start_time = datetime.time(8, 0)
    end_time = datetime.time(11, 30)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    official = factory.SubFactory(OfficialFactory)
    agency = factory.LazyAttribute(lambda o: o.session.host_agency)
    status = RegistrationStatus.REGISTERED


def attendance_world(make_user, tree, *, officials=3):
    """A scheduled one-day session at commune A1, its trainer, a registered learner and others."""
    from lms.core.models import Role

    from .agencies import AssignmentFactory

    trainer = make_user(role=Role.TRAINER, agency=tree["province_a"], username="att_trainer")
    learner = make_user(role=Role.LEARNER, agency=tree["commune_a1"], username="att_learner")
    session = SessionFactory(host_agency=tree["commune_a1"], title="Lớp tập huấn ISO tại Bắc Ninh")
    day = DayFactory(session=session, date=datetime.date(2026, 12, 1))
    registrations = [
        RegistrationFactory(session=session, official=learner.official, agency=tree["commune_a1"])
    ]
    names = ["Nguyễn Thị Hồng Nhung", "Trần Văn Đức", "Lê Minh Anh", "Phạm Quốc Bảo", "Đỗ Thu Hà"]
    for index in range(officials - 1):
        official = OfficialFactory(full_name=names[index % len(names)], staff_code=f"BN{index:04d}")
        AssignmentFactory(
            official=official, agency=tree["commune_a1"], position_title="Chuyên viên"
        )
        registrations.append(
            RegistrationFactory(session=session, official=official, agency=tree["commune_a1"])
        )
    return {
        "trainer": trainer,
        "learner": learner,
        "session": session,
        "day": day,
        "registrations": registrations,
    }
