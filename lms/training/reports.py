"""Session report exports: XLSX (openpyxl) and PDF (fpdf2 with DejaVu Sans for Vietnamese)."""

from __future__ import annotations

import io
from pathlib import Path

from django.utils import formats
from django.utils.translation import gettext as _

from lms.core.tabular import xlsx_append

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def agency_columns() -> list[str]:
    """Headings of the per-agency table (page, XLSX, PDF): people and person-days told apart."""
    return [
        _("Agency"),
        _("Participants (people)"),
        _("Present (person-days)"),
        _("Late (person-days)"),
        _("Excused (person-days)"),
        _("Absent (person-days)"),
        _("Completed (people)"),
    ]


def _num(value, places=1) -> str:
    if value is None:
        return ""
    return formats.number_format(value, places, use_l10n=True)


def _days_header(days) -> list[str]:
    return [f"{d.date:%d/%m/%Y}" for d in days]


def report_xlsx(report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    session = report["session"]
    wb = Workbook()
    ws = wb.active
    ws.title = _("Participants")[:31]
    xlsx_append(ws, [session.title])
    ws["A1"].font = Font(bold=True, size=13)
    xlsx_append(ws, [_("Host agency"), str(session.host_agency)])
    xlsx_append(ws, [])
    header = [_("Full name"), _("Agency"), *_days_header(report["days"]), _("Attendance (%)")]
    if report["has_tests"]:
        header += [_("Pre-test"), _("Post-test"), _("Gain")]
    header.append(_("Completed"))
    xlsx_append(ws, header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in report["rows"]:
        line = [
            row["official"].full_name,
            str(row["agency"] or ""),
            *row["status_labels"],
            float(row["percent"]),
        ]
        if report["has_tests"]:
            line += [
                None if row["pre"] is None else float(row["pre"]),
                None if row["post"] is None else float(row["post"]),
                None if row["gain"] is None else float(row["gain"]),
            ]
        completed = row["registration"].completed
        line.append("" if completed is None else (_("Yes") if completed else _("No")))
        xlsx_append(ws, line)

    by_day = wb.create_sheet(_("By day")[:31])
    xlsx_append(by_day, [_("Date"), _("Present"), _("Late"), _("Excused"), _("Absent")])
    for row in report["by_day"]:
        xlsx_append(
            by_day, [row["day"].date, row["present"], row["late"], row["excused"], row["absent"]]
        )
        by_day.cell(row=by_day.max_row, column=1).number_format = "DD/MM/YYYY"

    by_agency = wb.create_sheet(_("By agency")[:31])
    xlsx_append(by_agency, agency_columns())
    for row in report["by_agency"]:
        xlsx_append(
            by_agency,
            [
                row["agency__name"] or "",
                row["participants"],
                row["present"],
                row["late"],
                row["excused"],
                row["absent"],
                row["completed"],
            ],
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_pdf(report: dict) -> bytes:
    from fpdf import FPDF

    session = report["session"]
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, session.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        0, 6, f"{_('Host agency')}: {session.host_agency}", new_x="LMARGIN", new_y="NEXT"
    )
    if report["days"]:
        pdf.multi_cell(
            0,
            6,
            f"{_('Days')}: {', '.join(_days_header(report['days']))}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)

    def table(headings, rows, widths=None):
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=widths, text_align="LEFT", first_row_as_headings=True) as t:
            head = t.row()
            for h in headings:
                head.cell(str(h))
            for values in rows:
                r = t.row()
                for v in values:
                    r.cell("" if v is None else str(v))
        pdf.ln(4)

    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, _("Attendance per day"), new_x="LMARGIN", new_y="NEXT")
    table(
        [_("Date"), _("Present"), _("Late"), _("Excused"), _("Absent")],
        [
            [f"{r['day'].date:%d/%m/%Y}", r["present"], r["late"], r["excused"], r["absent"]]
            for r in report["by_day"]
        ],
    )
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, _("Attendance per agency"), new_x="LMARGIN", new_y="NEXT")
    table(
        agency_columns(),
        [
            [
                r["agency__name"] or "",
                r["participants"],
                r["present"],
                r["late"],
                r["excused"],
                r["absent"],
                r["completed"],
            ]
            for r in report["by_agency"]
        ],
    )
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, _("Participants"), new_x="LMARGIN", new_y="NEXT")
    headings = [_("Full name"), _("Agency"), _("Attendance (%)")]
    if report["has_tests"]:
        headings += [_("Pre-test"), _("Post-test")]
    headings.append(_("Completed"))
    rows = []
    for row in report["rows"]:
        values = [row["official"].full_name, str(row["agency"] or ""), _num(row["percent"])]
        if report["has_tests"]:
            values += [_num(row["pre"]), _num(row["post"])]
        completed = row["registration"].completed
        values.append("" if completed is None else (_("Yes") if completed else _("No")))
        rows.append(values)
    table(headings, rows)
    return bytes(pdf.output())
