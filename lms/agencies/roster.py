"""Reading a roster of officials from CSV (UTF-8, with or without BOM) or XLSX.

Shared by ``manage.py import_officials`` and the web import. Headers may be English or
Vietnamese (with or without diacritics, any case); see COLUMNS.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unidecode import unidecode

MAX_ROWS = 20000

# field -> accepted headers (compared after normalise()).
COLUMNS: dict[str, tuple[str, ...]] = {
    "staff_code": ("staff_code", "staff code", "mã cán bộ", "mã công chức", "mã nhân sự"),
    "full_name": ("full_name", "full name", "name", "họ và tên", "họ tên"),
    "email": ("email", "e-mail", "thư điện tử"),
    "phone": ("phone", "telephone", "số điện thoại", "điện thoại"),
    "agency": ("agency", "agency_code", "agency code", "đơn vị", "mã đơn vị", "cơ quan"),
    "position_kind": ("position_kind", "position kind", "loại vị trí", "vị trí"),
    "position_title": ("position_title", "position title", "position", "chức vụ", "chức danh"),
    "start_date": ("start_date", "start date", "from", "ngày bắt đầu", "từ ngày"),
}
REQUIRED = ("full_name", "agency")
COLUMN_HELP = {
    "staff_code": gettext_lazy(
        "The agency's staff number; rows are matched on it when re-imported."
    ),
    "full_name": gettext_lazy("Full name of the official."),
    "email": gettext_lazy("Email address."),
    "phone": gettext_lazy("Phone number."),
    "agency": gettext_lazy(
        "Administrative code of the unit (e.g. 24 or 07210), optionally followed by the names of "
        'agencies under it separated by /, e.g. "24 / Sở Tư pháp".'
    ),
    "position_kind": gettext_lazy(
        "leader, iso_secretary, one_stop_officer, specialist, internal_auditor or other "
        "(Vietnamese labels accepted); blank = specialist."
    ),
    "position_title": gettext_lazy("Position title as written by the agency."),
    "start_date": gettext_lazy("Start of the post, dd/mm/yyyy; blank = today."),
}


class RosterFormatError(ValueError):
    """The file itself cannot be read (not CSV/XLSX, no header, missing required columns)."""


@dataclass
class RosterRow:
    number: int  # spreadsheet row number; the header is row 1
    staff_code: str = ""
    full_name: str = ""
    email: str = ""
    phone: str = ""
    agency: str = ""
    position_kind: str = ""
    position_title: str = ""
    start_date: object = ""


def normalise(text: str) -> str:
    """Case-, accent- and spacing-insensitive form used to match headers and labels."""
    return " ".join(unidecode(str(text)).lower().replace("_", " ").split())


_HEADERS = {normalise(header): name for name, headers in COLUMNS.items() for header in headers}


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _rows_from_table(table) -> list[RosterRow]:
    iterator = iter(table)
    header = None
    number = 0
    for values in iterator:
        number += 1
        if any(_cell(v) != "" for v in values):
            header = [normalise(_cell(v)) for v in values]
            break
    if header is None:
        raise RosterFormatError(_("the file is empty"))
    fields = [_HEADERS.get(h) for h in header]
    unknown = [h for h, f in zip(header, fields, strict=True) if h and f is None]
    if unknown:
        raise RosterFormatError(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise RosterFormatError(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    rows = []
    for values in iterator:
        number += 1
        cells = [_cell(v) for v in values]
        if not any(c != "" for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise RosterFormatError(_("more than %(max)s rows") % {"max": MAX_ROWS})
        row = RosterRow(number=number)
        for name, value in zip(fields, cells, strict=False):
            if name:
                setattr(row, name, value if name == "start_date" else str(value))
        rows.append(row)
    return rows


def read_roster(data: bytes, filename: str) -> list[RosterRow]:
    """Parse ``data`` by the file's extension (.csv or .xlsx)."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise RosterFormatError(_("not a readable XLSX file")) from exc
        try:
            return _rows_from_table(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    if lower.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RosterFormatError(_("the CSV file is not UTF-8 encoded")) from exc
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return _rows_from_table(csv.reader(io.StringIO(text, newline=""), dialect))
    raise RosterFormatError(_("only .csv and .xlsx files are accepted"))
