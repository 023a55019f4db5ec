"""Lesson pages from the cache (lms/courses/pagecache.py): the same page as the slow path, for a
fixed number of queries, and never a stale or somebody else's page."""

import re

import pytest
from django.contrib.messages import constants
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from lms.core.models import Role
from lms.courses.models import Enrolment, EnrolmentSource, LessonProgress
from lms.courses.services import enrolment_create, lesson_mark_done
from tests.factories.courses import build_course, lessons_of

FAST_PATH = "lms.courses.pagecache.LessonPageMiddleware"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

pytestmark = pytest.mark.usefixtures("fresh_memo")


def fast_get(client, url, served, django_assert_num_queries):
    """A GET that the fast path must answer once warm without a query (session, user, page and
    the learner's state come from the cache: lms/courses/learners.py)."""
    client.get(url)  # the first may render the page's skeleton and read the learner's rows
    client.get(url)  # the learner's state is kept under the version the first one set
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200 and served(response)
    return response


def slow_html(client, url, settings):
    """The same page rendered whole by Wagtail (fast path switched off)."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != FAST_PATH]
    slow = Client()  # a client loads the middleware when it is made
    slow.cookies = client.cookies
    response = slow.get(url)
    assert response.status_code == 200 and response.templates
    return response.content.decode()


def same_page(a: str, b: str) -> bool:
    return TOKEN.sub("csrf", a) == TOKEN.sub("csrf", b)


def test_fast_path_serves_each_learner_the_page_the_slow_path_renders(
    client, make_user, tree, settings, served, django_assert_num_queries
):
    course = build_course(modules=2, lessons=2)
    first, second, third, fourth = lessons_of(course)
    ana = make_user(agency=tree["commune_a1"], full_name="Lê Thị <An> & Cộng sự")
    binh = make_user(agency=tree["commune_a2"], full_name="Trần Văn Bình")
    for user in (ana, binh):
        enrolment_create(official=user.official, course=course)
    lesson_mark_done(official=ana.official, lesson=second)
    done_form = f'action="{reverse("courses:lesson_done", args=[second.pk])}"'
    for user, lesson, form_shown in [(ana, second, False), (binh, second, True)]:
        client.force_login(user)
        client.get(lesson.url)  # the slow path, which remembers the route
        fast = fast_get(client, lesson.url, served, django_assert_num_queries).content.decode()
        assert same_page(fast, slow_html(client, lesson.url, settings))
        assert (done_form in fast) is form_shown
        assert "Lê Thị &lt;An&gt; &amp; Cộng sự" in fast if user == ana else "Trần Văn Bình" in fast
        other = binh if user == ana else ana
        assert other.full_name not in fast and "&lt;An&gt;" not in fast.replace(
            "Lê Thị &lt;An&gt;", ""
        )
        client.logout()
    # A finished course shows its message under the done badge, on both paths.
    for lesson in (first, third, fourth):
        lesson_mark_done(official=binh.official, lesson=lesson)
    lesson_mark_done(official=binh.official, lesson=second)
    client.force_login(binh)
    client.get(fourth.url)
    fast = fast_get(client, fourth.url, served, django_assert_num_queries).content.decode()
    assert '<p class="message message-success">' in fast
    assert same_page(fast, slow_html(client, fourth.url, settings))


def test_each_menu_gets_its_own_skeleton(
    client, make_user, tree, settings, served, django_assert_num_queries
):
    """A learner and a provincial people admin (the menu's "People and roles") reading the same
    lesson: each fast page has its own menu, the one the slow path renders."""
    course = build_course(modules=1, lessons=1)
    (lesson,) = lessons_of(course)
    learner = make_user(agency=tree["commune_a1"])
    admin = make_user(role=Role.PROVINCIAL_ADMIN, agency=tree["province_a"])
    people = f'href="{reverse("people:person_list")}"'
    for user, shown in ((learner, False), (admin, True)):
        enrolment_create(official=user.official, course=course)
        client.force_login(user)
        client.get(lesson.url)
        fast = fast_get(client, lesson.url, served, django_assert_num_queries).content.decode()
        assert (people in fast) is shown
        assert same_page(fast, slow_html(client, lesson.url, settings))
        client.logout()


def test_fast_path_queries_do_not_grow_with_the_course(
    client, learner, served, django_assert_num_queries
):
    small = build_course(modules=1, lessons=2)
    big = build_course(modules=4, lessons=6)
    for course in (small, big):
        enrolment_create(official=learner.official, course=course)
        for lesson in lessons_of(course)[:2]:
            lesson_mark_done(official=learner.official, lesson=lesson)
    client.force_login(learner)
    for course in (small, big):
        lesson = lessons_of(course)[1]
        client.get(lesson.url)
        fast_get(client, lesson.url, served, django_assert_num_queries)


def test_a_publication_shows_at_once(client, learner, served, django_assert_num_queries):
    course = build_course(modules=1, lessons=3)
    first, second, third = lessons_of(course)
    enrolment_create(official=learner.official, course=course)
    client.force_login(learner)
    client.get(first.url)
    fast_get(client, first.url, served, django_assert_num_queries)
    first.body = [{"type": "text", "value": "Nội dung đã sửa sau khi xuất bản."}]
    first.save_revision().publish()
    assert "Nội dung đã sửa" in client.get(first.url).content.decode()
    second.title = "Bài thứ hai đã đổi tên"
    second.save_revision().publish()
    client.get(first.url)
    html = fast_get(client, first.url, served, django_assert_num_queries).content.decode()
    assert "Bài thứ hai đã đổi tên" in html and "Nội dung đã sửa" in html
    third.unpublish()
    html = client.get(first.url).content.decode()
    assert third.title not in html
    first.unpublish()
    assert client.get(first.url).status_code == 404


def test_a_new_view_restriction_takes_the_page_off_the_fast_path(client, learner, served):
    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]
    enrolment_create(official=learner.official, course=course)
    client.force_login(learner)
    client.get(lesson.url)
    assert served(client.get(lesson.url))
    PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="bí mật"
    )
    response = client.get(lesson.url)
    html = response.content.decode()
    assert not served(response) and "password" in html.lower() and "Hồ sơ" not in html


def test_the_slow_path_answers_what_the_fast_path_cannot(client, learner, make_user, tree, served):
    course = build_course(lessons=2, open_enrolment=True)
    first, second = lessons_of(course)
    # Not enrolled yet: the slow path enrols on the first visit.
    client.force_login(learner)
    assert not served(client.get(first.url))
    assert Enrolment.objects.filter(official=learner.official, course=course).exists()
    assert served(client.get(first.url))
    # Query strings and HTMX requests go down the slow path.
    assert not served(client.get(first.url + "?tu=thu"))
    assert not served(client.get(first.url, HTTP_HX_REQUEST="true"))
    # A message waiting for the learner is shown (finishing the course by the plain form).
    client.post(reverse("courses:lesson_done", args=[first.pk]), {"next": first.url})
    response = client.post(
        reverse("courses:lesson_done", args=[second.pk]), {"next": second.url}, follow=True
    )
    assert not served(response)
    assert [m for m in response.context["messages"] if m.level == constants.SUCCESS]
    assert served(client.get(second.url))  # and then the fast path again
    client.logout()
    # Editors get Wagtail's user bar, which only the slow path renders.
    editor = make_user(role=Role.EDITOR, agency=tree["commune_a1"])
    enrolment_create(official=editor.official, course=course)
    client.force_login(editor)
    client.get(first.url)
    response = client.get(first.url)
    assert not served(response) and "wagtail-userbar" in response.content.decode()
    # Anonymous visitors are sent to log in.
    client.logout()
    assert client.get(first.url).status_code == 302


def test_opening_another_lesson_on_the_fast_path_records_it(client, learner, served):
    course = build_course(lessons=2)
    first, second = lessons_of(course)
    enrolment = enrolment_create(official=learner.official, course=course)
    client.force_login(learner)
    client.get(first.url)
    client.get(second.url)
    # Both routes are known: going back to the first lesson is a fast-path request, and it is
    # the place to resume from now.
    assert served(client.get(first.url))
    enrolment.refresh_from_db()
    assert enrolment.last_lesson_id == first.pk
    assert LessonProgress.objects.filter(official=learner.official, lesson=first).exists()


def test_only_enrolled_learners_are_served_from_the_cache(client, learner, make_user, tree, served):
    course = build_course(lessons=1, open_enrolment=False)
    lesson = lessons_of(course)[0]
    enrolment_create(official=learner.official, course=course, source=EnrolmentSource.ASSIGNED)
    client.force_login(learner)
    client.get(lesson.url)
    assert served(client.get(lesson.url))
    client.logout()
    stranger = make_user(agency=tree["commune_b1"])
    client.force_login(stranger)
    response = client.get(lesson.url)
    assert response.status_code == 403 and not served(response)


def test_what_a_page_shows_renews_the_generation_and_nothing_else_does(learner):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    from lms.courses.cachekeys import page_stamp
    from lms.quizzes.models import Quiz

    course = build_course(lessons=1)
    lesson = lessons_of(course)[0]

    def renews(change) -> bool:
        before = page_stamp()
        change()
        return page_stamp() != before

    assert renews(lambda: lesson.save_revision().publish())
    assert renews(lambda: Quiz.objects.create(title="Kiểm tra", slug="kiem-tra-the-he"))
    assert renews(
        lambda: get_image_model().objects.create(title="Sơ đồ", file=get_test_image_file())
    )
    assert renews(
        lambda: get_document_model().objects.create(
            title="Mẫu", file=ContentFile(b"%PDF-1.4", name="mau.pdf")
        )
    )
    assert renews(
        lambda: PageViewRestriction.objects.create(
            page=course, restriction_type=PageViewRestriction.LOGIN
        )
    )
    assert renews(lesson.unpublish)
    assert not renews(lambda: enrolment_create(official=learner.official, course=course))
    assert not renews(lambda: lesson_mark_done(official=learner.official, lesson=lesson))


def test_the_fast_path_sends_the_content_security_policy(
    client, learner, served, django_assert_num_queries
):
    course = build_course(modules=1, lessons=2)
    enrolment_create(official=learner.official, course=course)
    client.force_login(learner)
    lesson = lessons_of(course)[0]
    slow = client.get(lesson.url)
    fast = fast_get(client, lesson.url, served, django_assert_num_queries)
    for response in (slow, fast):
        policy = response["Content-Security-Policy"]
        # django-csp writes the directives in no fixed order.
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["script-src"] == "'self'" and "unsafe-inline" not in policy
        assert "nonce" not in policy and "nonce" not in response.content.decode()


def test_fast_path_shows_module_quiz_results_like_the_slow_path_for_one_query(
    client, learner, settings, served, django_assert_num_queries
):
    from lms.quizzes import services as quiz_services
    from lms.quizzes.models import Choice, Response
    from tests.factories.quizzes import make_quiz

    course = build_course(modules=2, lessons=2)
    modules = course.get_children().specific()
    quizzes = []
    for module, grading in zip(modules, ("highest", "last"), strict=True):
        module.quiz = make_quiz(2, grading=grading)
        module.save_revision().publish()
        quizzes.append(module.quiz)
    enrolment_create(official=learner.official, course=course)
    lesson = lessons_of(course)[0]
    client.force_login(learner)
    client.get(lesson.url)
    fast = fast_get(client, lesson.url, served, django_assert_num_queries).content.decode()
    assert fast.count("Chưa làm") == 2
    # The first module quiz passed with every answer right, the second failed.
    for quiz, right in zip(quizzes, (True, False), strict=True):
        sitting = quiz_services.sitting_start(quiz=quiz, user=learner)
        answers = {}
        for r in Response.objects.filter(sitting=sitting):
            fraction = {"fraction__gt": 0} if right else {"fraction": 0}
            answers[r.pk] = [Choice.objects.filter(question=r.question, **fraction).first().pk]
        quiz_services.sitting_submit(sitting=sitting, answers=answers)
    fast = fast_get(client, lesson.url, served, django_assert_num_queries).content.decode()
    assert "Đạt, 100 %" in fast and "Chưa đạt, 0 %" in fast and "Chưa làm" not in fast
    assert same_page(fast, slow_html(client, lesson.url, settings))
