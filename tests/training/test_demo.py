import pytest
from django.core.management import call_command

from lms.training.demo import PAST_TITLE, UPCOMING_TITLE
from lms.training.demo import load_demo as training_demo
from lms.training.models import Attendance, Registration, SessionStatus, TrainingSession


@pytest.mark.django_db
def test_demo_sessions_are_built_once():
    call_command("load_demo")
    upcoming = TrainingSession.objects.get(title=UPCOMING_TITLE)
    past = TrainingSession.objects.get(title=PAST_TITLE)
    assert upcoming.status == SessionStatus.OPEN
    assert upcoming.trainers.filter(username="trainer").exists()
    assert Registration.objects.filter(
        session=upcoming, official__user__username="learner"
    ).exists()
    assert past.status == SessionStatus.CLOSED
    assert Registration.objects.filter(session=past, completed=True).exists()
    assert Registration.objects.filter(session=past, completed=False).exists()
    counts = (
        TrainingSession.objects.count(),
        Registration.objects.count(),
        Attendance.objects.count(),
    )
    training_demo()
    assert (
        TrainingSession.objects.count(),
        Registration.objects.count(),
        Attendance.objects.count(),
    ) == counts
