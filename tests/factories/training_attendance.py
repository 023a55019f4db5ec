"""The attendance tests' world, on the training factories (sessions, days, registrations)."""

import datetime

import factory

from lms.training.models import SessionStatus

from .agencies import OfficialFactory
from .training import RegistrationFactory as TrainingRegistrationFactory
from .training import SessionDayFactory, TrainingSessionFactory


class SessionFactory(TrainingSessionFactory):
    """A scheduled session in Bắc Ninh (the PDFs print its venue)."""

    venue = "Hội trường UBND tỉnh Bắc Ninh"
    status = SessionStatus.SCHEDULED


class DayFactory(SessionDayFactory):
    session = factory.SubFactory(SessionFactory)


class RegistrationFactory(TrainingRegistrationFactory):
    """A registration that records the host agency as the official's agency at the time."""

    session = factory.SubFactory(SessionFactory)
    agency = factory.LazyAttribute(lambda o: o.session.host_agency)


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
