"""Editors can use the Wagtail admin on course pages; the demo hook is idempotent."""

import io

from django.urls import reverse

from lms.agencies.models import AgencyKind
from lms.core.models import Role
from lms.courses.demo import load_demo
from lms.courses.models import Enrolment, LessonProgress
from tests.courses.content import make_tree
from tests.factories.agencies import AgencyFactory, AssignmentFactory
from tests.factories.courses import build_course, lessons_of


def test_admin_edit_and_preview_pages(client, make_user, tree):
    admin = make_user(username="a_admin", is_superuser=True, is_staff=True)
    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]
    client.force_login(admin)
    for page in (course, lesson.get_parent(), lesson):
        response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        assert response.status_code == 200, page
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[lesson.pk]))
    assert response.status_code == 200
    assert "Bài 1.1" in response.content.decode()


def test_preview_shows_the_draft_body_not_the_cached_one(client, make_user, tree):
    admin = make_user(username="a_admin", is_superuser=True, is_staff=True)
    lesson = lessons_of(build_course(lessons=1))[0]
    client.force_login(admin)
    assert "Hồ sơ" in client.get(lesson.url).content.decode()  # the published body, now cached
    lesson.body = [{"type": "text", "value": "Bản nháp chưa xuất bản."}]
    lesson.save_revision()
    draft = client.get(reverse("wagtailadmin_pages:view_draft", args=[lesson.pk]))
    assert "Bản nháp chưa xuất bản." in draft.content.decode()
    assert "Bản nháp" not in client.get(lesson.url).content.decode()


def test_demo_hook_is_idempotent(tmp_path, settings, make_user, db):
    settings.LMS_CONTENT_SOURCES = [("lms.courses.sync.CourseSource", make_tree(tmp_path))]
    province = AgencyFactory(kind=AgencyKind.PROVINCE, code="27", name="Bắc Ninh")
    commune = AgencyFactory(parent=province, kind=AgencyKind.COMMUNE, code="27001", name="Xã Demo")
    commune.refresh_from_db()
    learner = make_user(role=Role.LEARNER, agency=commune, username="learner")
    make_user(
        role=Role.ISO_SECRETARY, agency=province, username="secretary", official_agency=province
    )
    others = [AssignmentFactory(agency=commune).official for _ in range(3)]
    out = io.StringIO()
    load_demo(out)
    load_demo(out)
    enrolment = Enrolment.objects.get(official=learner.official)
    assert enrolment.course.code == "ISO-NT"
    assert (
        LessonProgress.objects.filter(official=learner.official, completed_at__isnull=False).count()
        == 2
    )
    assert Enrolment.objects.filter(official__in=others, due_date__isnull=False).count() == 3
    assert Enrolment.objects.count() == 4


def test_scheduled_publication_goes_live_through_the_beat_task(client, learner):
    import datetime

    from django.utils import timezone
    from wagtail.models import Revision

    from lms.courses.tasks import publish_scheduled

    lesson = lessons_of(build_course(lessons=1))[0]
    client.force_login(learner)
    assert "Hồ sơ" in client.get(lesson.url).content.decode()
    lesson.body = [{"type": "text", "value": "Quy trình mới áp dụng từ tuần sau."}]
    lesson.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    revision = lesson.save_revision()
    revision.publish()
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None  # scheduled, not live yet
    publish_scheduled.delay()
    assert "Quy trình mới" not in client.get(lesson.url).content.decode()
    # An hour later (moved back in time rather than waited for):
    past = timezone.now() - datetime.timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    Revision.objects.filter(pk=revision.pk).update(
        approved_go_live_at=past, content=revision.content
    )
    publish_scheduled.delay()
    assert "Quy trình mới" in client.get(lesson.url).content.decode()
