"""Printable and exportable forms: the profile PDF (a QMS record to file, fpdf2 + DejaVu Sans for
Vietnamese) and the matrix XLSX (openpyxl, formula-safe cells through xlsx_append)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf.fonts import FontFace

from lms.agencies.models import Agency
from lms.core.tabular import xlsx_append
from lms.training.pdf import FONT, _new_pdf

from .selectors import MatrixRow, Profile, Status, SummaryColumn


def _date(day) -> str:
    return formats.date_format(day, "d/m/Y") if day else ""


def _posts_text(posts) -> str:
    return "; ".join(
        f"{post.position_title or post.get_position_kind_display()} – {post.agency.name}"
        for post in posts
    )


def _evidence(record) -> str:
    if record is None or record.certificate is None:
        return ""
    return record.certificate.code


def _until(record) -> str:
    if record is None or not record.held:
        return ""
    return _date(record.valid_until) if record.valid_until else _("no expiry")


def profile_pdf(profile: Profile) -> bytes:
    """A4 portrait: who, where, when printed, then required vs held with the evidence codes."""
    pdf = _new_pdf("P")
    official = profile.official
    pdf.set_title(_("Competency record") + f" – {official.full_name}")
    pdf.add_page()
    agencies = sorted({post.agency.name for post in profile.posts})
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, " · ".join(agencies) or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, _("COMPETENCY RECORD"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(
        0,
        5,
        _("Documented information as evidence of competence (TCVN ISO 9001:2015, clause 7.2 d)"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.set_font(FONT, "", 11)
    facts = (
        (_("Official"), official.full_name),
        (_("Staff code"), official.staff_code or "—"),
        (_("Posts"), _posts_text(profile.posts) or "—"),
        (_("Date"), _date(profile.today)),
        (
            _("Required competencies met"),
            f"{profile.met_count}/{len(profile.required_rows)}",
        ),
    )
    for label, value in facts:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(55, 6, label + ":")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    headings = (
        _("Competency"),
        _("ISO 9001 clauses"),
        _("Required"),
        _("Status"),
        _("Valid until"),
        _("Evidence certificate"),
    )
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=(52, 20, 16, 28, 22, 52),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 239, 244)),
        line_height=6,
        text_align=("LEFT", "LEFT", "CENTER", "LEFT", "LEFT", "LEFT"),
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for row in profile.rows:
            table.row(
                (
                    row.competency.name,
                    ", ".join(row.competency.clauses),
                    _("Yes") if row.required else _("No"),
                    str(row.status_label),
                    _until(row.record),
                    _evidence(row.record),
                )
            )
    if not profile.rows:
        pdf.multi_cell(0, 6, _("No competency is required or held."))
    pdf.ln(10)
    pdf.set_font(FONT, "", 10)
    pdf.cell(pdf.epw / 2, 6, _("Prepared by"), align="C")
    pdf.cell(pdf.epw / 2, 6, _("Head of agency"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    pdf.cell(pdf.epw / 2, 5, _("(signature, full name)"), align="C")
    pdf.cell(pdf.epw / 2, 5, _("(signature, full name)"), align="C")
    return bytes(pdf.output())


def matrix_xlsx(
    *,
    agency: Agency,
    position_label: str,
    today,
    columns,
    rows: Sequence[MatrixRow],
    summary: Sequence[SummaryColumn],
) -> bytes:
    """Two sheets: the matrix (one row per official) and the summary the page shows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Matrix")[:31]
    xlsx_append(ws, [_("Competency matrix") + f" – {agency.name}"])
    ws["A1"].font = Font(bold=True, size=13)
    xlsx_append(ws, [_("Date"), _date(today)])
    xlsx_append(ws, [_("Position kind"), position_label])
    xlsx_append(ws, [])
    header = [_("Official"), _("Staff code"), _("Posts")] + [
        f"{c.code} – {c.name}" for c in columns
    ]
    xlsx_append(ws, header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.freeze_panes = f"D{ws.max_row + 1}"
    for row in rows:
        xlsx_append(
            ws,
            [row.official.full_name, row.official.staff_code or "", _posts_text(row.posts)]
            + [_cell_text(cell) for cell in row.cells],
        )
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["C"].width = 40

    totals = wb.create_sheet(_("Totals")[:31])
    xlsx_append(
        totals,
        [_("Competency"), _("Code"), _("Required"), _("Met"), _("Expiring"), _("Missing")],
    )
    for cell in totals[1]:
        cell.font = Font(bold=True)
    for column in summary:
        xlsx_append(
            totals,
            [
                column.competency.name,
                column.competency.code,
                column.required,
                column.met,
                column.expiring,
                column.missing,
            ],
        )
    totals.column_dimensions["A"].width = 45
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell_text(cell) -> str:
    if cell.status is None:
        return ""
    text = str(Status.LABELS[cell.status])
    if cell.status == Status.EXPIRING and cell.record is not None:
        text += f" ({_date(cell.record.valid_until)})"
    return text
