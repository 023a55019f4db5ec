"""Downloadable forms: built from YAML sources beside the lessons, kept in step by sync_content."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from docx import Document as WordDocument
from openpyxl import load_workbook
from wagtail.documents import get_document_model

from lms.core.content import ContentError
from lms.courses.doctemplates import build
from lms.courses.models import LessonPage
from tests.courses.content import LESSON, make_tree, write

SHIPPED = sorted((Path(settings.BASE_DIR) / "content" / "courses").glob("*/files/*.yaml"))


def _docx_text(data: bytes) -> str:
    document = WordDocument(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_curriculum_ships_the_eight_forms_and_each_lesson_links_its_own():
    names = {p.name for p in SHIPPED}
    assert {
        "quy-trinh-mau-dang-ky-khai-sinh.docx.yaml",
        "chuong-trinh-danh-gia-noi-bo.xlsx.yaml",
        "ke-hoach-danh-gia.docx.yaml",
        "danh-sach-kiem-tra.xlsx.yaml",
        "phieu-su-khong-phu-hop-va-hanh-dong-khac-phuc.docx.yaml",
        "so-rui-ro.xlsx.yaml",
        "ke-hoach-muc-tieu-chat-luong.xlsx.yaml",
        "bien-ban-xem-xet-cua-lanh-dao.docx.yaml",
    } <= names
    lessons = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (Path(settings.BASE_DIR) / "content" / "courses").glob("*/*/*.md")
    )
    for name in names:
        assert f"../files/{name} |" in lessons, f"no lesson links {name}"


@pytest.mark.parametrize("source", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_form_builds_and_opens(source):
    built = build(source)
    assert built.name == source.name.removesuffix(".yaml")
    if built.name.endswith(".docx"):
        text = _docx_text(built.data)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "Độc lập - Tự do - Hạnh phúc" in text
    else:
        workbook = load_workbook(io.BytesIO(built.data))
        sheet = workbook.worksheets[0]
        header = next(row for row in sheet.iter_rows() if row[0].value in ("STT", "Đợt"))
        assert all(cell.font.bold for cell in header if cell.value)
        assert sheet.column_dimensions["B"].width >= 20


def test_review_minutes_carry_every_input_and_output_of_9_3():
    built = build(next(p for p in SHIPPED if p.name.startswith("bien-ban-xem-xet")))
    text = _docx_text(built.data)
    for item in (
        "a) Tình trạng",
        "b) Thay đổi",
        "c) 1)",
        "c) 7)",
        "d) Sự thỏa đáng",
        "e) Hiệu lực",
        "f) Cơ hội cải tiến",
    ):
        assert item in text, item
    assert "9.3.3" in text and "nhu cầu nguồn lực" in text


def test_the_worked_procedure_has_its_flowchart():
    built = build(next(p for p in SHIPPED if p.name.startswith("quy-trinh-mau")))
    document = WordDocument(io.BytesIO(built.data))
    assert len(document.inline_shapes) == 1
    assert "Lưu đồ" in _docx_text(built.data)


def test_cells_are_text_so_a_source_cannot_plant_a_formula(tmp_path):
    source = tmp_path / "mau.xlsx.yaml"
    source.write_text(
        'format: xlsx\nsheets:\n  - name: A\n    columns: [{title: "Cột"}]\n'
        '    rows: [["=HYPERLINK(\\"http://x\\",\\"y\\")"]]\n',
        encoding="utf-8",
    )
    sheet = load_workbook(io.BytesIO(build(source).data)).worksheets[0]
    cell = sheet.cell(row=2, column=1)
    assert cell.value.startswith("=") and cell.data_type == "s"


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("a.docx.yaml", "format: xlsx\nparts: [{text: a}]\n", "'format' must be 'docx'"),
        ("a.docx.yaml", "format: docx\nparts: [{poem: a}]\n", "unknown part 'poem'"),
        (
            "a.docx.yaml",
            "format: docx\nparts:\n  - table: {columns: [a, b], rows: [[x]]}\n",
            "row 1 must have 2 cells",
        ),
        (
            "a.xlsx.yaml",
            "format: xlsx\nsheets:\n  - name: 'a/b'\n    columns: [{title: x}]\n",
            "name must be",
        ),
        ("a.xlsx.yaml", "format: xlsx\nsheets: [\n", "invalid YAML"),
    ],
)
def test_a_bad_source_is_refused_with_its_file_and_line(tmp_path, name, text, message):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as excinfo:
        build(source)
    assert message in str(excinfo.value)
    assert str(source) in str(excinfo.value) and excinfo.value.line


@pytest.mark.django_db
def test_sync_stores_the_built_form_once_and_rebuilds_it_when_the_source_changes(
    tmp_path, settings
):
    root = make_tree(tmp_path)
    settings.LMS_CONTENT_SOURCES = [("lms.courses.sync.CourseSource", root)]
    course = root / "iso-nt"
    source = course / "files" / "so-rui-ro.xlsx.yaml"
    write(source, 'format: xlsx\nsheets:\n  - name: Sổ\n    columns: [{title: "Rủi ro"}]\n')
    extra = "[[document: ../files/so-rui-ro.xlsx.yaml | Mẫu sổ rủi ro]]\n"
    write(course / "01-chuyen-de-1" / "01-bai-1.md", LESSON.format(title="Bài 1", extra=extra))
    call_command("sync_content", stdout=io.StringIO())
    document = get_document_model().objects.get()
    assert document.file.name.endswith(".xlsx") and document.title == "Mẫu sổ rủi ro"
    with document.file.open("rb") as handle:
        assert load_workbook(handle).worksheets[0]["A1"].value == "Rủi ro"
    call_command("sync_content", stdout=io.StringIO())
    assert get_document_model().objects.count() == 1

    write(source, 'format: xlsx\nsheets:\n  - name: Sổ\n    columns: [{title: "Cơ hội"}]\n')
    call_command("sync_content", stdout=io.StringIO())
    lesson = LessonPage.objects.get(title="Bài 1")
    block = next(b for b in lesson.body if b.block_type == "document")
    with block.value["document"].file.open("rb") as handle:
        assert load_workbook(handle).worksheets[0]["A1"].value == "Cơ hội"
