"""sync_content for courses: creation, idempotency, --check/--dry-run, admin edits, bad files."""

import pytest
from django.core.management import CommandError, call_command
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from lms.courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from lms.quizzes.models import Quiz
from tests.courses.content import LESSON, make_tree, png, write


@pytest.fixture
def content(tmp_path, settings):
    root = make_tree(tmp_path)
    settings.LMS_CONTENT_SOURCES = [("lms.courses.sync.CourseSource", root)]
    return root


def sync(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("sync_content", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def counts():
    return (Page.objects.count(), Revision.objects.count())


@pytest.mark.django_db
def test_sync_creates_the_tree_and_second_run_changes_nothing(content):
    out = sync()
    assert "change(s) applied" in out
    index = CourseIndexPage.objects.get()
    assert (index.slug, index.title) == ("khoa-hoc", "Khóa học")
    course = CoursePage.objects.get(code="ISO-NT")
    assert course.get_parent().specific_class is CourseIndexPage
    assert course.certificate_validity_months == 36
    assert sorted(course.clauses.names()) == ["4.4", "6.1"]
    assert [m.slug for m in ModulePage.objects.child_of(course).order_by("path")] == [
        "chuyen-de-1",
        "chuyen-de-2",
    ]
    lessons = LessonPage.objects.descendant_of(course).order_by("path")
    assert [lesson.title for lesson in lessons] == ["Bài 1.1", "Bài 1.2", "Bài 2.1", "Bài 2.2"]
    lesson = lessons[0]
    assert lesson.live and lesson.estimated_minutes == 7
    assert list(lesson.clauses.names()) == ["9.2"]
    assert [b.block_type for b in lesson.body] == [
        "text",
        "example",
        "remember",
        "selfcheck",
        "table",
        "video",
        "summary",
    ]
    assert "danh gia noi bo" in lesson.search_text
    before = counts()
    out = sync()
    assert "No change" in out
    assert counts() == before
    sync("--check")  # no exception: nothing pending


@pytest.mark.django_db
def test_check_and_dry_run_change_nothing(content):
    before = counts()
    out = sync("--dry-run")
    assert "create  lesson iso-nt/chuyen-de-1/bai-1" in out
    assert counts() == before
    with pytest.raises(CommandError) as exc:
        sync("--check")
    assert exc.value.returncode == 1
    assert counts() == before


@pytest.mark.django_db
def test_changed_file_updates_only_that_page(content):
    sync()
    lesson_file = content / "iso-nt" / "01-chuyen-de-1" / "02-bai-2.md"
    write(lesson_file, LESSON.format(title="Bài đã sửa", extra=""))
    revisions = Revision.objects.count()
    out = sync()
    assert "update  lesson iso-nt/chuyen-de-1/bai-2" in out
    assert Revision.objects.count() == revisions + 1
    assert LessonPage.objects.get(slug="bai-2", title="Bài đã sửa").live


@pytest.mark.django_db
def test_admin_edit_is_kept_unless_forced(content):
    sync()
    lesson = LessonPage.objects.get(title="Bài 1.1")
    lesson.title = "Sửa trong trang quản trị"
    lesson.save_revision().publish()
    lesson_file = content / "iso-nt" / "01-chuyen-de-1" / "01-bai-1.md"
    write(lesson_file, LESSON.format(title="Bài từ tệp", extra=""))
    out = sync()
    assert "skip" in out and "edited in the admin" in out
    lesson.refresh_from_db()
    assert lesson.title == "Sửa trong trang quản trị"
    out = sync("--force")
    lesson.refresh_from_db()
    assert lesson.title == "Bài từ tệp"
    assert "No change" in sync()


@pytest.mark.django_db
def test_images_and_documents_are_imported_once(content):
    course_dir = content / "iso-nt"
    png(course_dir / "images" / "pdca.png")
    write(course_dir / "files" / "mau.docx", "fake docx")
    extra = "![Sơ đồ PDCA](../images/pdca.png)\n\n[[document: ../files/mau.docx | Mẫu kế hoạch]]\n"
    for name in ("01-bai-1.md", "02-bai-2.md"):
        write(course_dir / "01-chuyen-de-1" / name, LESSON.format(title=name, extra=extra))
    sync()
    assert get_image_model().objects.count() == 1
    assert get_document_model().objects.count() == 1
    lesson = LessonPage.objects.get(title="01-bai-1.md")
    image_block = next(b for b in lesson.body if b.block_type == "image")
    assert image_block.value["caption"] == "Sơ đồ PDCA"
    assert image_block.value["image"].pk == get_image_model().objects.get().pk
    sync()
    assert get_image_model().objects.count() == 1


@pytest.mark.django_db
def test_quiz_slugs_are_linked(tmp_path, settings):
    Quiz.objects.create(title="Cuối khóa", slug="nt-cuoi-khoa")
    Quiz.objects.create(title="Chuyên đề", slug="nt-m01")
    root = make_tree(
        tmp_path,
        course_extra="final_quiz: nt-cuoi-khoa\ncompletion: all_lessons_and_final_quiz\n".replace(
            "completion: all_lessons_and_final_quiz\n", ""
        ),
    )
    module = root / "iso-nt" / "01-chuyen-de-1" / "module.md"
    write(module, "---\ntitle: Chuyên đề 1\nquiz: nt-m01\n---\nMở đầu.\n")
    settings.LMS_CONTENT_SOURCES = [("lms.courses.sync.CourseSource", root)]
    sync()
    course = CoursePage.objects.get()
    assert course.final_quiz.slug == "nt-cuoi-khoa"
    assert ModulePage.objects.get(slug="chuyen-de-1").quiz.slug == "nt-m01"


@pytest.mark.django_db
def test_removed_lesson_is_unpublished(content):
    sync()
    (content / "iso-nt" / "02-chuyen-de-2" / "02-bai-2.md").unlink()
    out = sync()
    assert "unpublish" in out
    assert not LessonPage.objects.get(title="Bài 2.2").live


@pytest.mark.django_db
def test_module_order_follows_file_names(content):
    sync()
    base = content / "iso-nt"
    (base / "01-chuyen-de-1").rename(base / "03-chuyen-de-1")
    sync()
    course = CoursePage.objects.get()
    assert [m.slug for m in ModulePage.objects.child_of(course).order_by("path")] == [
        "chuyen-de-2",
        "chuyen-de-1",
    ]
    assert "No change" in sync()


BAD_LESSONS = [
    ("---\ntitle: [unclosed\nclauses: []\n---\nText\n", 2, "bad YAML"),
    ("---\nclauses: []\n---\nText\n\n::: summary\n- a\n:::\n", 1, "missing 'title'"),
    ("---\ntitle: T\nclauses: []\n---\nText\n\n::: xyz\nhello\n:::\n", 7, "unknown block 'xyz'"),
    (
        "---\ntitle: T\nclauses: []\n---\n::: selfcheck\nQ: only a question\n:::\n"
        "::: summary\n- a\n:::\n",
        5,
        "selfcheck",
    ),
    ("---\ntitle: T\nclauses: []\n---\n::: remember\nnot closed\n", 5, "not closed"),
    ("---\ntitle: T\nclauses: []\n---\nText only.\n", 5, "summary"),
    ("---\ntitle: T\nclauses: [9.2]\n---\nText\n::: summary\n- a\n:::\n", 3, "clause"),
    (
        "---\ntitle: T\nclauses: []\n---\n![x](../images/missing.png)\n::: summary\n- a\n:::\n",
        5,
        "not found",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("text,line,reason", BAD_LESSONS)
def test_bad_lesson_file_names_path_and_line_and_writes_nothing(content, text, line, reason):
    bad = write(content / "iso-nt" / "02-chuyen-de-2" / "03-bai-hong.md", text)
    before = counts()
    with pytest.raises(CommandError) as exc:
        sync()
    assert f"{bad}:{line}:" in str(exc.value)
    assert reason in str(exc.value)
    assert counts() == before


@pytest.mark.django_db
def test_unknown_quiz_slug_fails_with_line(content):
    course_file = content / "iso-nt" / "course.md"
    text = course_file.read_text(encoding="utf-8").replace(
        "completion: all_lessons\n", "final_quiz: khong-co\n"
    )
    write(course_file, text)
    with pytest.raises(CommandError) as exc:
        sync()
    assert f"{course_file}:7: unknown quiz 'khong-co'" in str(exc.value)
    assert not CoursePage.objects.exists()


@pytest.mark.django_db
def test_one_bad_course_blocks_every_course(tmp_path, settings):
    root = make_tree(tmp_path)
    make_tree(tmp_path, code="ISO-BAD", slug="zz-bad")
    write(root / "zz-bad" / "course.md", "---\ncode: ISO-BAD\nsummary: x\n---\n")
    settings.LMS_CONTENT_SOURCES = [("lms.courses.sync.CourseSource", root)]
    with pytest.raises(CommandError) as exc:
        sync()
    assert "course.md:1: missing 'title'" in str(exc.value)
    assert not CoursePage.objects.exists()


@pytest.mark.django_db
def test_missing_quiz_source_module_is_skipped_with_a_warning(content, settings):
    settings.LMS_CONTENT_SOURCES = [
        ("lms.quizzes.nope.QuizSource", content.parent / "quizzes")
    ] + list(settings.LMS_CONTENT_SOURCES)
    with pytest.raises(CommandError):  # only the known optional module may be skipped
        sync()


@pytest.mark.django_db
def test_default_workflow_applies_to_course_pages(content):
    sync()
    course = CoursePage.objects.get()
    assert course.get_workflow() is not None
