"""Printable attendance documents: the A4 sign-in sheet and the officials' QR cards (fpdf2).

The functions take plain data (``SheetRow``, ``Card``) so they can be rendered and tested without
the database; views build that data from the session's registrations.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every glyph

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FONT = "DejaVuSans"
CARDS_PER_PAGE = 8  # 2 columns × 4 rows on A4 portrait


@dataclass(frozen=True)
class SheetRow:
    number: int
    full_name: str
    agency: str
    position: str


@dataclass(frozen=True)
class Card:
    full_name: str
    agency: str
    code: str  # what the QR encodes and the trainer's scanner types


def _new_pdf(orientation: str) -> FPDF:
    if not FONT_REGULAR.is_file():
        # Without a Unicode font Vietnamese names would print as boxes: refuse loudly instead.
        raise ImproperlyConfigured(
            f"Font file {FONT_REGULAR} is missing: install the fonts-dejavu-core package "
            "to print sign-in sheets and cards with Vietnamese text."
        )
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font(FONT, "", str(FONT_REGULAR))
    pdf.add_font(FONT, "B", str(FONT_BOLD if FONT_BOLD.is_file() else FONT_REGULAR))
    pdf.set_creator("ISO 9001 LMS")
    return pdf


def _qr_png(data: str, scale: int = 6) -> io.BytesIO:
    out = io.BytesIO()
    # make_qr, not make: short codes would come out as Micro QR, which phone cameras do not read.
    segno.make_qr(data, error="m").save(out, kind="png", scale=scale, border=2)
    out.seek(0)
    return out


def signin_sheet_pdf(
    *,
    title: str,
    day_label: str,
    venue: str,
    rows: Sequence[SheetRow],
    qr_url: str = "",
    blank_rows: int = 5,
) -> bytes:
    """An A4 landscape sign-in sheet: header, one line per official, blank lines for walk-ins."""
    pdf = _new_pdf("L")
    pdf.set_title(_("Sign-in sheet") + f" – {title}")
    pdf.add_page()
    qr_size = 28
    if qr_url:
        pdf.image(_qr_png(qr_url), x=pdf.w - pdf.r_margin - qr_size, y=pdf.t_margin, w=qr_size)
    text_width = pdf.epw - (qr_size + 4 if qr_url else 0)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(text_width, 7, _("SIGN-IN SHEET"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(text_width, 6, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(
        text_width, 6, _("Day") + f": {day_label}", align="L", new_x="LMARGIN", new_y="NEXT"
    )
    if venue:
        pdf.multi_cell(
            text_width, 6, _("Venue") + f": {venue}", align="L", new_x="LMARGIN", new_y="NEXT"
        )
    if qr_url:
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(
            text_width,
            4,
            _("Session page") + f": {qr_url}",
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + qr_size) + 4)

    pdf.set_font(FONT, "", 10)
    headings = (_("No."), _("Full name"), _("Agency"), _("Position"), _("Signature"))
    with pdf.table(
        col_widths=(12, 70, 85, 50, 55),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 239, 244)),
        line_height=9,
        text_align=("CENTER", "LEFT", "LEFT", "LEFT", "LEFT"),
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for row in rows:
            table.row((str(row.number), row.full_name, row.agency, row.position, ""))
        start = len(rows) + 1
        for number in range(start, start + blank_rows):
            table.row((str(number), "", "", "", ""))
    return bytes(pdf.output())


def roster_cards_pdf(*, session_title: str, cards: Sequence[Card]) -> bytes:
    """Personal QR cards, 8 per A4 page (2 × 4), to cut out and hand to the officials."""
    pdf = _new_pdf("P")
    pdf.set_title(_("Check-in cards") + f" – {session_title}")
    pdf.set_auto_page_break(auto=False)
    margin = 10
    card_w = (pdf.w - 2 * margin) / 2
    card_h = (pdf.h - 2 * margin) / 4
    qr_size = 34
    if not cards:
        pdf.add_page()
        pdf.set_font(FONT, "", 12)
        pdf.multi_cell(0, 8, _("No registered officials."))
    for index, card in enumerate(cards):
        slot = index % CARDS_PER_PAGE
        if slot == 0:
            pdf.add_page()
        x = margin + (slot % 2) * card_w
        y = margin + (slot // 2) * card_h
        pdf.set_draw_color(160, 160, 160)
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        pdf.rect(x, y, card_w, card_h)
        pdf.set_dash_pattern()
        qr_x, qr_y = x + 4, y + (card_h - qr_size) / 2
        pdf.image(_qr_png(card.code), x=qr_x, y=qr_y, w=qr_size)
        # Every line is placed at an explicit x and y inside this card's text column: ln() and
        # new_x would send the cursor back to the page's left margin, over the left card's QR.
        text_x = x + qr_size + 8
        text_w = card_w - qr_size - 12
        bottom = y + card_h - 4
        line_y = y + 8
        for text, style, size, height, gap, max_lines in (
            (card.full_name, "B", 12, 6, 1, 2),
            (card.agency, "", 9, 5, 2, 3),
            (session_title, "", 8, 4, 2, 3),
        ):
            if not text:
                continue
            pdf.set_font(FONT, style, size)
            lines = pdf.multi_cell(text_w, height, text, dry_run=True, output="LINES")
            if len(lines) > max_lines:
                lines = [*lines[: max_lines - 1], lines[max_lines - 1].rstrip() + "…"]
            for line in lines:
                if line_y + height > bottom - 7:  # keep the code's line free
                    break
                pdf.set_xy(text_x, line_y)
                pdf.cell(text_w, height, line, align="L")
                line_y += height
            line_y += gap
        # The code, in a monospaced-looking bold line at the foot of the text column, always set.
        pdf.set_font(FONT, "B", 10)
        pdf.set_xy(text_x, bottom - 6)
        pdf.cell(text_w, 6, card.code, align="L")
    return bytes(pdf.output())
