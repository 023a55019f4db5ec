"""Any report as CSV, XLSX or PDF; spreadsheet cells that would run as formulas stay text."""

from __future__ import annotations

import csv
import datetime
import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from lms.core.tabular import FORMULA_PREFIXES, xlsx_append

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return formats.date_format(value, "d/m/Y")
    return str(value)


def _csv_cell(value) -> str:
    text = _text(value)
    # The same OWASP rule as xlsx_append: a leading quote keeps the cell text.
    if isinstance(value, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(report) -> bytes:
    """UTF-8 with BOM (Excel opens Vietnamese text correctly), comma separated."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c) for c in report.columns()])
    for row in report.rows():
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _title_sheet(sheet, report) -> None:
    name = report.agency.name if report.agency else _("Whole country")
    xlsx_append(sheet, [str(report.title)])
    xlsx_append(sheet, [name, _("as of %(day)s") % {"day": _text(report.day)}])
    xlsx_append(sheet, [])


def add_sheet(workbook: Workbook, report, *, first: bool = False) -> None:
    """The report as one sheet: a title block, then the header row and the rows."""
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = report.slug[:31]
    _title_sheet(sheet, report)
    xlsx_append(sheet, [str(c) for c in report.columns()])
    for row in report.rows():
        xlsx_append(sheet, row)
    for line in sheet.iter_rows(min_row=HEADER_ROW + 1):
        for cell in line:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"


def to_xlsx(report) -> bytes:
    workbook = Workbook()
    add_sheet(workbook, report, first=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


HEADER_ROW = 4  # where add_sheet puts the column headers (1-based)


def _pdf_number(value) -> str:
    if isinstance(value, float):
        return formats.number_format(value, 1, use_l10n=True)
    if isinstance(value, int):
        return formats.number_format(value, 0, use_l10n=True, force_grouping=True)
    return _text(value)


def to_pdf(reports, *, title: str) -> bytes:
    """Reports one after the other on A4 landscape, headed by the agency's name and the date."""
    from fpdf.fonts import FontFace

    from lms.training.pdf import FONT, _new_pdf

    first = reports[0]
    place = first.agency.name if first.agency else _("Whole country")
    pdf = _new_pdf("L")
    pdf.set_title(f"{title} – {place}")
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, f"{title} – {place}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(
        0,
        6,
        _("Figures as of %(day)s; printed on %(printed)s.")
        % {
            "day": _text(first.day),
            "printed": formats.date_format(timezone.localtime(), "d/m/Y H:i"),
        },
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for report in reports:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, str(report.title), new_x="LMARGIN", new_y="NEXT")
        columns = [str(c) for c in report.columns()]
        rows = report.rows()
        if not rows:
            pdf.set_font(FONT, "", 9)
            pdf.multi_cell(0, 5, _("Nothing to show."), new_x="LMARGIN", new_y="NEXT")
            continue
        size = 8 if len(columns) <= 10 else 6
        pdf.set_font(FONT, "", size)
        first_width = 3
        widths = (first_width, *([1] * (len(columns) - 1)))
        with pdf.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 239, 244)),
            line_height=size * 0.6,
            repeat_headings=1,
        ) as table:
            table.row(columns)
            for row in rows:
                table.row([_pdf_number(v) for v in row])
    return bytes(pdf.output())
