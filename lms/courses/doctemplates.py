"""Downloadable forms built from small YAML sources kept beside the lessons that link them.

A lesson links a form with ``[[document: ../files/ke-hoach-danh-gia.docx.yaml | Title]]``. The
source is a YAML file whose name ends in ``.docx.yaml`` or ``.xlsx.yaml``; ``sync_content`` builds
the Word or Excel file from it (python-docx, openpyxl) and stores it as a Wagtail document, so the
form and its source never drift apart. The source's digest (with ``BUILDER_VERSION``) is the
document's identity: an unchanged source is not rebuilt or uploaded again.

Word sources (``format: docx``) hold a list of parts::

    header: {agency: "UBND XÃ ...", number: "Số: .../KH-UBND"}   # national heading, optional
    parts:
      - heading: Title                       # centred, bold
      - section: "1. Part title"             # bold paragraph
      - text: Paragraph text (blank lines split paragraphs)
      - bullets: [item, item]
      - table: {columns: [..], rows: [[..], ..], widths: [cm, ..]}
      - flow: [step, step, ..]               # a flowchart drawn as boxes and arrows
      - signatures: [left title, right title]

Excel sources (``format: xlsx``) hold ``sheets``: each with ``name``, optional ``title`` lines,
``columns`` (``{title, width}``), ``rows`` and ``notes``. Cells are written as text, so nothing a
source holds can become a formula.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from lms.core.content import ContentError

BUILDER_VERSION = "1"
SUFFIXES = (".docx.yaml", ".xlsx.yaml")
MAX_ROWS = 500
MAX_TEXT = 4000
FONT = "Times New Roman"  # Vietnamese administrative documents (Nghị định on văn thư) use it


@dataclass
class BuiltDocument:
    name: str  # file name of the built form, e.g. "ke-hoach-danh-gia.docx"
    data: bytes
    digest: str  # of the source and the builder version


def is_template(path: Path) -> bool:
    return path.name.endswith(SUFFIXES)


def build(path: Path) -> BuiltDocument:
    """Build the form a source describes; a bad source raises ContentError with file and line."""
    from lms.quizzes.formats.base import FormatError
    from lms.quizzes.formats.yaml_format import load_yaml

    raw = path.read_bytes()
    try:
        spec = load_yaml(path)
    except FormatError as exc:
        raise ContentError(path, exc.line, exc.message) from exc
    if not isinstance(spec, dict):
        raise ContentError(path, 1, "a form source is a mapping with 'format' and its content")
    kind = path.name.removesuffix(".yaml").rsplit(".", 1)[-1]
    declared = spec.get("format")
    if declared != kind:
        raise ContentError(path, _line(spec, "format"), f"'format' must be {kind!r} for this file")
    data = _build_docx(path, spec) if kind == "docx" else _build_xlsx(path, spec)
    digest = hashlib.sha1(raw + BUILDER_VERSION.encode()).hexdigest()
    return BuiltDocument(name=path.name.removesuffix(".yaml"), data=data, digest=digest)


# --- helpers -------------------------------------------------------------------------------------


def _line(node, key=None):
    """The line of a mapping (or of one of its keys' values), as the YAML loader recorded it."""
    if key is not None:
        return (getattr(node, "key_lines", None) or {}).get(key) or getattr(node, "line", None)
    return getattr(node, "line", None)


def _text(path: Path, value, where, line=None) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ContentError(path, line, f"{where}: expected text")
    if len(value) > MAX_TEXT or "\x00" in value:
        raise ContentError(path, line, f"{where}: text too long or holds a NUL byte")
    return value.strip()


def _list(path: Path, value, where, line=None) -> list:
    if not isinstance(value, list) or not value:
        raise ContentError(path, line, f"{where}: expected a non-empty list")
    if len(value) > MAX_ROWS:
        raise ContentError(path, line, f"{where}: more than {MAX_ROWS} items")
    return value


# --- Word ----------------------------------------------------------------------------------------


def _build_docx(path: Path, spec: dict) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    if spec.get("landscape"):
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_height, section.page_width = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)

    header = spec.get("header")
    if header is not None:
        if not isinstance(header, dict):
            raise ContentError(path, _line(spec, "header"), "'header' is a mapping")
        _national_header(document, path, header)

    for index, part in enumerate(_list(path, spec.get("parts"), "parts", _line(spec, "parts"))):
        line = _line(part) if isinstance(part, dict) else _line(spec, "parts")
        if not isinstance(part, dict) or len(part) != 1:
            raise ContentError(path, line, f"part {index + 1}: one key per part")
        ((key, value),) = part.items()
        where = f"part {index + 1} ({key})"
        if key == "heading":
            para = document.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = para.add_run(_text(path, value, where, line).upper())
            run.bold = True
            run.font.size = Pt(14)
        elif key == "section":
            para = document.add_paragraph()
            para.add_run(_text(path, value, where, line)).bold = True
        elif key == "text":
            for chunk in _text(path, value, where, line).split("\n\n"):
                para = document.add_paragraph(" ".join(chunk.split("\n")))
                para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        elif key == "bullets":
            for item in _list(path, value, where, line):
                document.add_paragraph("– " + _text(path, item, where, line))
        elif key == "table":
            _docx_table(document, path, value, where, line)
        elif key == "flow":
            steps = [_text(path, s, where, line) for s in _list(path, value, where, line)]
            document.add_picture(io.BytesIO(_flowchart_png(steps)), width=Cm(12))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif key == "signatures":
            titles = [_text(path, t, where, line) for t in _list(path, value, where, line)]
            table = document.add_table(rows=2, cols=len(titles))
            for column, title in enumerate(titles):
                cell = table.cell(0, column)
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
                cell.paragraphs[0].add_run(title).bold = True
                note = table.cell(1, column).paragraphs[0]
                note.alignment = WD_ALIGN_PARAGRAPH.CENTER
                note.add_run("(Ký, ghi rõ họ tên)").italic = True
        else:
            raise ContentError(path, line, f"{where}: unknown part {key!r}")

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _national_header(document, path: Path, header: dict) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    agency = _text(path, header.get("agency", ""), "header.agency", _line(header, "agency"))
    number = _text(path, header.get("number", ""), "header.number", _line(header, "number"))
    table = document.add_table(rows=2, cols=2)
    left = [agency.upper(), number]
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    for row in range(2):
        for column, value in enumerate((left[row], right[row])):
            para = table.cell(row, column).paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = para.add_run(value)
            run.font.size = Pt(12 if column == 0 and row == 1 else 13)
            run.bold = row == 0 or column == 1
    place = document.add_paragraph()
    place.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    place.add_run("……, ngày …… tháng …… năm ……").italic = True


def _docx_table(document, path: Path, value, where, line) -> None:
    from docx.shared import Cm

    if not isinstance(value, dict):
        raise ContentError(path, line, f"{where}: a table has 'columns' and 'rows'")
    columns = [_text(path, c, where, line) for c in _list(path, value.get("columns"), where, line)]
    rows = value.get("rows") or []
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        raise ContentError(path, line, f"{where}: 'rows' is a list of at most {MAX_ROWS} rows")
    table = document.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = "Table Grid"
    for column, title in enumerate(columns):
        table.cell(0, column).paragraphs[0].add_run(title).bold = True
    for r, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(columns):
            raise ContentError(path, line, f"{where}: row {r} must have {len(columns)} cells")
        for column, cell in enumerate(row):
            table.cell(r, column).text = _text(path, cell, f"{where} row {r}", line)
    widths = value.get("widths")
    if widths:
        if not isinstance(widths, list) or len(widths) != len(columns):
            raise ContentError(path, line, f"{where}: 'widths' needs one value per column")
        for row in table.rows:
            for column, width in enumerate(widths):
                row.cells[column].width = Cm(float(width))


def _flowchart_png(steps: list[str]) -> bytes:
    """Boxes top to bottom joined by arrows; a decision (a step with a '?') is a diamond."""
    import textwrap

    from PIL import Image, ImageDraw, ImageFont

    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    try:
        font = ImageFont.truetype(font_path, 22)
    except OSError:  # pragma: no cover - the font ships with the project's system packages
        font = ImageFont.load_default()
    width, box_w, gap = 900, 640, 50
    # A diamond's text has to fit its middle: narrower lines, more height.
    wrapped = [textwrap.wrap(step, 28 if "?" in step else 46) or [""] for step in steps]
    heights = [
        30 * len(lines) + (110 if "?" in step else 30)
        for step, lines in zip(steps, wrapped, strict=True)
    ]
    heights = [max(70, h) for h in heights]
    height = sum(heights) + gap * (len(steps) - 1) + 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    y = 20
    left = (width - box_w) // 2
    for index, (lines, box_h) in enumerate(zip(wrapped, heights, strict=True)):
        top, bottom = y, y + box_h
        if "?" in steps[index]:
            mid_x, mid_y = width // 2, (top + bottom) // 2
            draw.polygon(
                [(mid_x, top), (left + box_w, mid_y), (mid_x, bottom), (left, mid_y)],
                outline="black",
                width=3,
            )
        elif index in (0, len(steps) - 1):
            draw.rounded_rectangle([left, top, left + box_w, bottom], 30, outline="black", width=3)
        else:
            draw.rectangle([left, top, left + box_w, bottom], outline="black", width=3)
        text_y = top + (box_h - 30 * len(lines)) // 2 + 2
        for text_line in lines:
            text_w = draw.textlength(text_line, font=font)
            draw.text(((width - text_w) / 2, text_y), text_line, fill="black", font=font)
            text_y += 30
        y = bottom
        if index < len(steps) - 1:
            x = width // 2
            draw.line([(x, y), (x, y + gap - 8)], fill="black", width=3)
            draw.polygon([(x - 9, y + gap - 14), (x + 9, y + gap - 14), (x, y + gap)], fill="black")
            y += gap
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- Excel ---------------------------------------------------------------------------------------


def _build_xlsx(path: Path, spec: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheets = _list(path, spec.get("sheets"), "sheets", _line(spec, "sheets"))
    for number, sheet in enumerate(sheets, start=1):
        line = _line(sheet) if isinstance(sheet, dict) else None
        where = f"sheet {number}"
        if not isinstance(sheet, dict):
            raise ContentError(path, line, f"{where}: a sheet is a mapping")
        name = _text(path, sheet.get("name", ""), f"{where} name", line)
        if not name or len(name) > 31 or any(c in name for c in "[]:*?/\\"):
            raise ContentError(path, line, f"{where}: name must be 1-31 characters, no []:*?/\\")
        ws = workbook.create_sheet(name)
        columns = _list(path, sheet.get("columns"), f"{where} columns", line)
        row = 1
        for title in sheet.get("title") or []:
            ws.cell(row=row, column=1, value=_text(path, title, f"{where} title", line))
            ws.cell(row=row, column=1).font = Font(name=FONT, bold=True, size=13)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(columns))
            ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")
            row += 1
        if row > 1:
            row += 1
        header_row = row
        for column, spec_col in enumerate(columns, start=1):
            if not isinstance(spec_col, dict) or "title" not in spec_col:
                raise ContentError(path, line, f"{where}: each column has a 'title'")
            cell = ws.cell(row=row, column=column)
            cell.value = _text(path, spec_col["title"], f"{where} column {column}", line)
            cell.data_type = "s"
            cell.font = Font(name=FONT, bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            cell.border = border
            width = spec_col.get("width", 18)
            if not isinstance(width, (int, float)) or not 4 <= width <= 120:
                raise ContentError(path, line, f"{where} column {column}: width 4-120")
            ws.column_dimensions[get_column_letter(column)].width = width
        rows = sheet.get("rows") or []
        if not isinstance(rows, list) or len(rows) > MAX_ROWS:
            raise ContentError(path, line, f"{where}: 'rows' is a list of at most {MAX_ROWS}")
        for r, values in enumerate(rows, start=1):
            if not isinstance(values, list) or len(values) > len(columns):
                raise ContentError(path, line, f"{where} row {r}: at most {len(columns)} cells")
            row += 1
            for column in range(1, len(columns) + 1):
                value = values[column - 1] if column <= len(values) else ""
                cell = ws.cell(row=row, column=column)
                cell.value = _text(path, value, f"{where} row {r}", line)
                cell.data_type = "s"  # text, whatever it starts with: no formulas from a source
                cell.font = Font(name=FONT)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.border = border
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        notes = sheet.get("notes") or []
        row += 2
        for note in notes:
            ws.cell(row=row, column=1, value=_text(path, note, f"{where} note", line))
            ws.cell(row=row, column=1).font = Font(name=FONT, italic=True)
            row += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
