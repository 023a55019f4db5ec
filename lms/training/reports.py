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


def _bold_header(ws, values) -> None:
    """Append a header row in bold, frozen below it when it is the sheet's first row."""
    from openpyxl.styles import Alignment, Font

    xlsx_append(ws, values)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if ws.max_row == 1:
        ws.freeze_panes = "A2"


def _fit_columns(ws, *, minimum=8, maximum=60, from_row=1) -> None:
    """Column widths from the longest value in each column (in characters), within bounds.

    Rows above ``from_row`` (a title spanning the sheet) do not count."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=from_row):
        for cell in row:
            if cell.value is None:
                continue
            text = cell.value if isinstance(cell.value, str) else str(cell.value)
            if hasattr(cell.value, "strftime"):
                text = "00/00/0000"
            longest = max((len(line) for line in text.splitlines()), default=0)
            widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = max(
            minimum, min(maximum, width + 2)
        )


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
    header += [_("Completed"), _("Registered how")]
    _bold_header(ws, header)
    header_row = ws.max_row
    ws.freeze_panes = f"A{ws.max_row + 1}"
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
        line.append(row["registration"].get_source_display() if row["registration"].source else "")
        xlsx_append(ws, line)
    if report.get("walk_ins"):
        xlsx_append(ws, [])
        _bold_header(ws, [_("Walk-ins not matched to an official"), _("Agency"), _("Date")])
        for walk_in in report["walk_ins"]:
            xlsx_append(ws, [walk_in.full_name, walk_in.agency_name, walk_in.day.date])
            ws.cell(row=ws.max_row, column=3).number_format = "DD/MM/YYYY"
    _fit_columns(ws, from_row=header_row)

    by_day = wb.create_sheet(_("By day")[:31])
    _bold_header(by_day, [_("Date"), _("Present"), _("Late"), _("Excused"), _("Absent")])
    for row in report["by_day"]:
        xlsx_append(
            by_day, [row["day"].date, row["present"], row["late"], row["excused"], row["absent"]]
        )
        by_day.cell(row=by_day.max_row, column=1).number_format = "DD/MM/YYYY"
    _fit_columns(by_day, minimum=12)

    by_agency = wb.create_sheet(_("By agency")[:31])
    _bold_header(by_agency, agency_columns())
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
    _fit_columns(by_agency, minimum=12, maximum=50)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "TP. ")


def place_name(agency) -> str:
    """The locality written before the date: the agency's province (or city), without "Tỉnh"."""
    from lms.agencies.models import Agency

    root = Agency.objects.filter(path=agency.path[: Agency.steplen]).first() or agency
    name = root.name
    for prefix in PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def administrative_date(place: str, day) -> str:
    """ "Bắc Ninh, ngày 05 tháng 12 năm 2026": the form of Decree 30/2020/NĐ-CP (day and month
    below 10 with a leading zero)."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _national_heading(pdf, *, agency, parent, place: str, issued_on) -> None:
    """The two columns that open a Vietnamese administrative document (Decree 30/2020/NĐ-CP):
    the issuing agency on the left, the national name and motto on the right, then the date."""
    left_w, right_w = 110, pdf.epw - 110
    top = pdf.get_y()
    pdf.set_font("DejaVu", "", 11)
    if parent is not None:
        pdf.multi_cell(left_w, 5.5, parent.name.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(left_w, 5.5, agency.name.upper(), align="C", new_x="LEFT", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.line(
        pdf.l_margin + left_w / 2 - 15,
        left_bottom + 1,
        pdf.l_margin + left_w / 2 + 15,
        left_bottom + 1,
    )
    pdf.set_xy(pdf.l_margin + left_w, top)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(right_w, 5.5, NATIONAL_NAME, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(right_w, 5.5, NATIONAL_MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    motto_w = pdf.get_string_width(NATIONAL_MOTTO)
    centre = pdf.l_margin + left_w + right_w / 2
    pdf.line(centre - motto_w / 2, pdf.get_y() + 1, centre + motto_w / 2, pdf.get_y() + 1)
    pdf.set_xy(pdf.l_margin + left_w, max(pdf.get_y(), left_bottom) + 4)
    pdf.set_font("DejaVu", "I", 11)
    pdf.cell(right_w, 6, administrative_date(place, issued_on), align="C")
    pdf.set_xy(pdf.l_margin, pdf.get_y() + 12)


def _signature_block(pdf, *, signer: str) -> None:
    """Recipients on the left; the signer's title, "(signature and full name)", name right."""
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    half = pdf.epw / 2
    pdf.set_font("DejaVu", "BI", 10)
    pdf.cell(half, 5, _("Recipients:"), new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in (_("- As above;"), _("- Filed: archives.")):
        pdf.cell(half, 4.5, line, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(half, 6, _("PREPARED BY"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "I", 10)
    pdf.cell(half, 5, _("(Signature and full name)"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(22)
    pdf.set_x(pdf.l_margin + half)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(half, 6, signer, align="C", new_x="LMARGIN", new_y="NEXT")


def report_pdf(report: dict, *, issued_on=None, signer: str = "") -> bytes:
    """The session report as a Vietnamese administrative document: national heading, issuing
    (host) agency, place and date, the tables, and a signature block."""
    from django.utils import timezone
    from fpdf import FPDF

    session = report["session"]
    agency = session.host_agency
    issued_on = issued_on or timezone.localdate()
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    pdf.add_font("DejaVu", "BI", str(FONT_DIR / "DejaVuSans-BoldOblique.ttf"))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(_("Training session report") + f" – {session.title}")
    pdf.add_page()
    _national_heading(
        pdf,
        agency=agency,
        parent=agency.get_parent() if agency.depth > 1 else None,
        place=place_name(agency),
        issued_on=issued_on,
    )
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, _("REPORT"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(
        0,
        7,
        _("Results of the training session “%(title)s”") % {"title": session.title},
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, f"{_('Host agency')}: {agency}", new_x="LMARGIN", new_y="NEXT")
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
        headings += [_("Pre-test"), _("Post-test"), _("Gain")]
    headings.append(_("Completed"))
    rows = []
    for row in report["rows"]:
        values = [row["official"].full_name, str(row["agency"] or ""), _num(row["percent"])]
        if report["has_tests"]:
            values += [_num(row["pre"]), _num(row["post"]), _num(row["gain"])]
        completed = row["registration"].completed
        values.append("" if completed is None else (_("Yes") if completed else _("No")))
        rows.append(values)
    table(headings, rows)
    if report["has_tests"]:
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(
            0,
            6,
            f"{_('Mean pre-test score')}: {_num(report['pre_mean'])} · "
            f"{_('Mean post-test score')}: {_num(report['post_mean'])} · "
            f"{_('Mean gain')}: {_num(report.get('gain_mean'))}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
    if report.get("walk_ins"):
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, _("Walk-ins not matched to an official"), new_x="LMARGIN", new_y="NEXT")
        table(
            [_("Full name"), _("Agency"), _("Date")],
            [[w.full_name, w.agency_name, f"{w.day.date:%d/%m/%Y}"] for w in report["walk_ins"]],
        )
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0,
        5,
        _(
            "Participants and completions count people; present, late, excused and absent "
            "count person-days (one person on one day)."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _signature_block(pdf, signer=signer)
    return bytes(pdf.output())
