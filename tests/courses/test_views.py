"""Catalogue, enrolment, assignment form and diacritic-insensitive search."""

import pytest
from django.urls import reverse

from lms.core.models import Role
from lms.courses.models import Enrolment
from tests.factories.agencies import AssignmentFactory
from tests.factories.courses import build_course, lessons_of


def test_catalogue_lists_open_courses_only(client, learner):
    build_course(title="Khóa mở")
    build_course(title="Khóa đóng", open_enrolment=False)
    client.force_login(learner)
    html = client.get(reverse("courses:catalogue")).content.decode()
    assert "Khóa mở" in html and "Khóa đóng" not in html


def test_enrol_post(client, learner):
    course = build_course()
    closed = build_course(open_enrolment=False)
    client.force_login(learner)
    response = client.post(reverse("courses:enrol", args=[course.pk]))
    assert response.status_code == 302
    assert Enrolment.objects.filter(
        official=learner.official, course=course, source="self"
    ).exists()
    assert client.post(reverse("courses:enrol", args=[closed.pk])).status_code == 403
    assert client.get(reverse("courses:enrol", args=[course.pk])).status_code == 405


def test_search_ignores_diacritics(client, learner, django_assert_max_num_queries):
    course = build_course(lessons=2)
    lesson = lessons_of(course)[0]
    lesson.title = "Chu trình PDCA"
    lesson.body = [{"type": "text", "value": "Đánh giá nội bộ là một bước kiểm tra."}]
    lesson.save_revision().publish()
    client.force_login(learner)
    client.get(reverse("courses:search"), {"q": "x"})
    with django_assert_max_num_queries(8):
        response = client.get(reverse("courses:search"), {"q": "danh gia noi bo"})
    html = response.content.decode()
    assert "Chu trình PDCA" in html
    response = client.get(reverse("courses:search"), {"q": "ĐÁNH GIÁ nội bộ"})
    assert "Chu trình PDCA" in response.content.decode()
    response = client.get(reverse("courses:search"), {"q": "kiem toan"})
    assert "Chu trình PDCA" not in response.content.decode()


def test_assign_form_previews_then_assigns_in_scope(client, make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    course = build_course()
    for _ in range(2):
        AssignmentFactory(agency=tree["commune_a1"])
    client.force_login(secretary)
    response = client.get(reverse("courses:assign"))
    html = response.content.decode()
    assert "Xã A1" in html and "Xã B1" not in html
    data = {"course": course.pk, "agencies": [tree["commune_a1"].pk], "due_date": ""}
    response = client.post(reverse("courses:assign"), {**data, "preview": "1"})
    assert response.status_code == 200
    assert not Enrolment.objects.exists()
    assert response.context["preview"] == {"total": 2, "new": 2, "already": 0}
    response = client.post(reverse("courses:assign"), data)
    assert response.status_code == 302
    assert Enrolment.objects.filter(course=course, source="assigned").count() == 2
    # An agency outside the scope is not a valid choice.
    response = client.post(reverse("courses:assign"), {**data, "agencies": [tree["commune_b1"].pk]})
    assert response.status_code == 200 and response.context["form"].errors
    assert Enrolment.objects.count() == 2


def test_learner_cannot_open_assign(client, learner):
    client.force_login(learner)
    assert client.get(reverse("courses:assign")).status_code == 403


@pytest.mark.django_db
def test_anonymous_goes_to_login(client):
    response = client.get(reverse("courses:my_learning"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
