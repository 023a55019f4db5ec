"""Course pages and learning records for tests: build_course() makes a published course tree."""

import itertools

import factory
from wagtail.models import Site

from lms.courses.models import (
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    ModulePage,
)

_counter = itertools.count(1)


def course_index() -> CourseIndexPage:
    """The course index under the default site's home page (created once)."""
    index = CourseIndexPage.objects.filter(slug="khoa-hoc").first()
    if index is None:
        home = ensure_site().root_page
        index = CourseIndexPage(title="Khóa học", slug="khoa-hoc")
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def ensure_site() -> Site:
    """The default site, put back if a transactional test's flush removed it."""
    return Site.objects.filter(is_default_site=True).first() or _site_after_flush()


def _site_after_flush() -> Site:
    """A transactional test's flush empties the tables migrations filled (Wagtail's root page and
    default site): put them back the way the migrations do, for the tests that run after it."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page

    from lms.core.models import HomePage

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    from wagtail.models import Collection

    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="Trang chủ", slug="home"))
    return Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def lesson_body(n: int) -> list[dict]:
    return [
        {"type": "text", "value": f"## Phần {n}\n\nĐánh giá nội bộ theo điều khoản 9.2, bài {n}."},
        {"type": "example", "value": {"title": "Ví dụ", "body": "Hồ sơ **một cửa**."}},
        {
            "type": "selfcheck",
            "value": {"question": "Ai đánh giá?", "answer": "Chuyên gia đánh giá nội bộ."},
        },
        {"type": "table", "value": {"caption": "Bảng", "table": "| a | b |\n|---|---|\n| 1 | 2 |"}},
        {
            "type": "video",
            "value": {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "caption": "Phim"},
        },
        {"type": "remember", "value": "Ghi nhớ điều này."},
        {"type": "summary", "value": "- Tóm tắt"},
    ]


def build_course(
    *,
    modules: int = 1,
    lessons: int = 3,
    open_enrolment: bool = True,
    code: str | None = None,
    completion: str = "all_lessons",
    final_quiz=None,
    title: str | None = None,
) -> CoursePage:
    """A published course with ``modules`` modules of ``lessons`` lessons each."""
    n = next(_counter)
    course = _publish(
        course_index(),
        CoursePage(
            title=title or f"Khóa học {n}",
            slug=f"khoa-{n}",
            code=code or f"K-{n}",
            summary="Tóm tắt khóa học.",
            intro="Giới thiệu **khóa học**.",
            open_enrolment=open_enrolment,
            completion=completion,
            final_quiz=final_quiz,
        ),
    )
    for m in range(1, modules + 1):
        module = _publish(
            course, ModulePage(title=f"Chuyên đề {m}", slug=f"chuyen-de-{m}", intro="Mở đầu.")
        )
        for i in range(1, lessons + 1):
            _publish(
                module,
                LessonPage(
                    title=f"Bài {m}.{i}",
                    slug=f"bai-{m}-{i}",
                    body=lesson_body(i),
                    estimated_minutes=5,
                ),
            )
    course.refresh_from_db()
    return course


def lessons_of(course: CoursePage) -> list[LessonPage]:
    return list(LessonPage.objects.descendant_of(course).order_by("path"))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    source = "self"


class LessonProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonProgress
