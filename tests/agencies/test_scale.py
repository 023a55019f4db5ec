"""generate_scale_data on a small scale: the national tree, officials spread by commune counts,
and the records around them."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from lms.agencies.models import Agency, Assignment, Official
from lms.certificates.models import Certificate, CertificateStatus
from lms.courses.models import Enrolment
from lms.quizzes.models import Sitting
from lms.training.models import Attendance, Registration
from tests.factories.courses import build_course
from tests.factories.quizzes import make_quiz

N = 600


@pytest.mark.django_db
def test_generate_scale_data_builds_a_national_set():
    build_course(title="Nhận thức HTQLCL", final_quiz=make_quiz())
    call_command("generate_scale_data", officials=N)
    provinces = Agency.objects.filter(depth=1)
    assert provinces.count() == 34
    assert Agency.objects.filter(depth=2).exclude(code="").count() == 3321
    assert Official.objects.count() == N
    # Everyone has exactly one current post, and every province has officials.
    assert Assignment.objects.values("official").distinct().count() == N
    for province in provinces:
        assert Assignment.objects.filter(agency__path__startswith=province.path).exists()
    # The largest province (by communes) has more officials than the smallest.
    by_communes = sorted(provinces, key=lambda p: p.numchild)
    small, large = by_communes[0], by_communes[-1]
    assert Assignment.objects.filter(agency__path__startswith=large.path).count() > (
        Assignment.objects.filter(agency__path__startswith=small.path).count()
    )
    assert Enrolment.objects.filter(completed_at__isnull=False).exists()
    assert Enrolment.objects.filter(due_date__isnull=False).exists()
    assert (
        Sitting.objects.filter(passed=True).exists()
        and Sitting.objects.filter(passed=False).exists()
    )
    assert Registration.objects.exists() and Attendance.objects.exists()
    today = datetime.date.today()
    assert Certificate.objects.filter(status=CertificateStatus.REVOKED).exists()
    assert Certificate.objects.filter(valid_until__lt=today).exists()
    assert Certificate.objects.filter(
        status=CertificateStatus.VALID, valid_until__gte=today
    ).exists()
    # A second run refuses the database that now has officials.
    with pytest.raises(CommandError, match="already has officials"):
        call_command("generate_scale_data", officials=N)
