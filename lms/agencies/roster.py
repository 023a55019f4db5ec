"""Reading a roster of officials from CSV (UTF-8, with or without BOM) or XLSX.

Shared by ``manage.py import_officials`` and the web import. Headers may be English or
Vietnamese (with or without diacritics, any case); see COLUMNS.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from lms.core.tabular import read_table

MAX_ROWS = 20000

# field -> accepted headers (compared after lms.core.text.fold).
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


def read_roster(data: bytes, filename: str) -> list[RosterRow]:
    """Parse ``data`` by the file's extension (.csv or .xlsx); TableError names file and row."""
    table = read_table(
        name=filename, content=data, columns=COLUMNS, required=[REQUIRED], max_rows=MAX_ROWS
    )
    rows = []
    for number, values in table.rows:
        row = RosterRow(number=number)
        for name, value in values.items():
            setattr(row, name, value if name == "start_date" else str(value))
        rows.append(row)
    return rows
