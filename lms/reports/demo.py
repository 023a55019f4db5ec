"""Demo data for the dashboards (``load_demo``): a history of completed courses in Tỉnh Bắc Ninh
over the last months (so the steering committee's dashboard has coverage to compare, a line of
completions and certificates coming up for renewal), then the summary tables built from
everything the demos loaded (bulk loads bypass the signals that keep them)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

PROVINCE_CODE = "24"
COURSE_CODE = "ISO-NT"
MONTHS = 8
# Of the province's officials (by id), these shares completed the course: the communes differ,
# so the coverage bars do too.
EVERY = (2, 3, 5)


def _history(stdout) -> int:
    from lms.agencies.models import Agency, Assignment
    from lms.certificates.codes import new_code
    from lms.certificates.models import Certificate
    from lms.competencies.services import records_recompute
    from lms.courses.models import CoursePage, Enrolment

    province = Agency.objects.filter(code=PROVINCE_CODE, valid_to__isnull=True).first()
    course = CoursePage.objects.filter(code=COURSE_CODE).first()
    if province is None or course is None:
        return 0
    today = timezone.localdate()
    posts = (
        Assignment.objects.filter(agency__path__startswith=province.path, end_date__isnull=True)
        .select_related("official", "agency")
        .order_by("agency__path", "official_id")
    )
    made = []
    for index, post in enumerate(posts):
        # Children of the province take turns at 1 in 2, 1 in 3 and 1 in 5.
        every = EVERY[(len(post.agency.path) + post.agency.pk) % len(EVERY)]
        if index % every:
            continue
        official = post.official
        done = today - datetime.timedelta(days=15 + (index * 13) % (30 * MONTHS))
        enrolment, _created = Enrolment.objects.get_or_create(
            official=official, course=course, defaults={"agency": post.agency}
        )
        if enrolment.completed_at is None:
            enrolment.completed_at = timezone.make_aware(
                datetime.datetime.combine(done, datetime.time(9, 0))
            )
            enrolment.save(update_fields=["completed_at"])
        # Some were issued long ago and come up for renewal within 90 days.
        until = (
            done + datetime.timedelta(days=730)
            if index % 7
            else today + datetime.timedelta(days=20 + index % 60)
        )
        _cert, created = Certificate.objects.get_or_create(
            source_key=f"demo-dashboard:{enrolment.pk}",
            defaults={
                "code": new_code(),
                "official": official,
                "holder_name": official.full_name,
                "agency": post.agency,
                "agency_name": post.agency.name,
                "course": course,
                "course_title": course.title,
                "enrolment": enrolment,
                "issued_on": min(done, until),
                "valid_until": until,
            },
        )
        if created:
            made.append(official.pk)
    records_recompute(official_ids=made)
    return len(made)


def load_demo(stdout) -> None:
    from .services import summaries_refresh

    with transaction.atomic():
        made = _history(stdout)
    rows = summaries_refresh()
    stdout.write(f"reports: {made} demo completions with certificates, {rows} summary rows")
