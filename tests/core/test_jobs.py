"""Bulk work in the background (lms/core/jobs.py): a course assigned to a whole province and a
session's invitations to more officials than SQLite accepts variables in one statement."""

import datetime

import pytest
from django.urls import reverse

from lms.agencies.models import Agency, AgencyKind, Assignment, Official
from lms.core.jobs import batches, bulk_job_run
from lms.core.models import BulkJob, Role
from lms.courses.models import Enrolment
from lms.training.models import Registration
from tests.factories.agencies import AgencyFactory
from tests.factories.courses import build_course
from tests.factories.training import session_with_days
from tests.training.conftest import training_today  # noqa: F401

MANY = 1203  # above SQLite's historical limit of 999 variables, and not a multiple of a batch


def _officials(agencies, count):
    """``count`` officials spread over ``agencies`` with a current post (bulk: fast)."""
    officials = Official.objects.bulk_create(
        [Official(full_name=f"Cán bộ {n:05d}", name_folded=f"can bo {n:05d}") for n in range(count)]
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                official=official,
                agency=agencies[n % len(agencies)],
                start_date=datetime.date(2025, 7, 1),
            )
            for n, official in enumerate(officials)
        ]
    )
    return officials


@pytest.fixture
def province(tree):
    communes = [
        AgencyFactory(parent=tree["province_a"], kind=AgencyKind.COMMUNE, code="", name=f"Xã {n}")
        for n in range(3)
    ]
    _officials(communes, MANY)
    return Agency.objects.get(pk=tree["province_a"].pk)


def test_batches_keep_in_lists_short():
    assert [len(b) for b in batches(range(1203), 500)] == [500, 500, 203]
    assert list(batches([])) == []


def test_assigning_a_province_runs_in_the_background(
    client, make_user, tree, province, django_capture_on_commit_callbacks
):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=province)
    other = make_user(role=Role.ISO_SECRETARY, agency=province)
    course = build_course()
    client.force_login(secretary)
    data = {"course": course.pk, "agencies": [province.pk], "due_date": "2026-12-31"}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("courses:assign"), data)
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "bulk_job", args=[job.pk]
    )
    # The request itself enrolled nobody: the worker does, once the job is committed.
    assert not Enrolment.objects.exists()
    assert job.status == BulkJob.Status.QUEUED and job.total == MANY + 2
    page = client.get(reverse("bulk_job", args=[job.pk]))
    assert page.status_code == 200 and "<progress" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    assert (job.done, job.total) == (MANY + 2, MANY + 2)
    assert job.result == {"created": MANY + 2, "already": 0}
    assert Enrolment.objects.filter(
        course=course, due_date=datetime.date(2026, 12, 31)
    ).count() == (MANY + 2)
    assert Enrolment.history.filter(course=course).count() == MANY + 2
    html = client.get(reverse("bulk_job", args=[job.pk])).content.decode()
    assert str(MANY + 2) in html and "<progress" not in html
    # A second delivery of the task finds the job taken and does nothing.
    assert bulk_job_run(job_id=job.pk).status == BulkJob.Status.DONE
    # Only its author sees the job.
    client.force_login(other)
    assert client.get(reverse("bulk_job", args=[job.pk])).status_code == 404


def test_a_job_run_again_finishes_without_doing_anything_twice(
    make_user, tree, province, django_capture_on_commit_callbacks
):
    from lms.courses import services

    secretary = make_user(role=Role.ISO_SECRETARY, agency=province)
    course = build_course()
    # Half of the province was assigned already (say, a job stopped half-way).
    first = Official.objects.order_by("pk")[: MANY // 2]
    Enrolment.objects.bulk_create(
        [Enrolment(official=o, course=course, source="assigned") for o in first]
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = services.course_assign_job_create(
            course=course, agencies=[province], by_user=secretary
        )
    job.refresh_from_db()
    assert job.result == {"created": MANY + 1 - MANY // 2, "already": MANY // 2}
    assert Enrolment.objects.filter(course=course).count() == MANY + 1


def test_inviting_thousands_runs_in_the_background(
    client, make_user, tree, province, django_capture_on_commit_callbacks, mailoutbox
):
    trainer = make_user(role=Role.TRAINER, agency=province)
    session = session_with_days(province, days=1)
    session.target_agencies.set([province])
    # 700 of them with an email: each gets one invitation.
    with_email = list(Official.objects.order_by("pk").values_list("pk", flat=True)[:700])
    Official.objects.filter(pk__in=with_email[:500]).update(email="a@example.gov.vn")
    Official.objects.filter(pk__in=with_email[500:]).update(email="b@example.gov.vn")
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("training:session_invite", args=[session.pk]))
    job = BulkJob.objects.get(kind="training.invite")
    assert response["Location"] == reverse("bulk_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE, job.result
    assert Registration.objects.filter(session=session).count() == MANY + 1
    assert job.result["created"] == MANY + 1
    assert Registration.history.filter(session=session).count() == MANY + 1
    from lms.core.models import OutboxMessage

    # The 700, and the trainer (a target too), whose login has an address.
    assert OutboxMessage.objects.filter(kind__startswith="training.").count() == 701
    # Again: nobody is invited twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("training:session_invite", args=[session.pk]))
    assert BulkJob.objects.order_by("-pk").first().result == {"created": 0, "already": MANY + 1}
    assert Registration.objects.filter(session=session).count() == MANY + 1
