"""Import a marked sign-in sheet (CSV or XLSX) for one session day: all rows or nothing.

Columns (header names in Vietnamese or English, accents and case ignored):
``No.``/``STT`` (the number printed on the sign-in sheet), ``staff_code``/``Mã cán bộ``,
``name``/``Họ và tên``, ``status``/``Điểm danh``. A row is matched by staff code, else by No.
(cross-checked against the name when both are given), else by name. Status values: có mặt /
đi muộn / vắng có phép / vắng, or present / late / excused / absent.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

from django.db import transaction
from django.utils.translation import gettext as _

from .attendance import RosterEntry, attendance_mark, day_roster, search_key
from .evidence import EvidenceError, evidence_check, evidence_store
from .models import AttendanceMethod, AttendanceStatus, SessionDay

MAX_ROWS = 5000

HEADERS = {
    "number": {"no", "no.", "stt", "so tt", "so thu tu", "#", "number"},
    "staff_code": {"staff_code", "staff code", "ma can bo", "ma cb", "ma", "code"},
    "name": {"name", "full name", "full_name", "ho va ten", "ho ten"},
    "status": {"status", "trang thai", "diem danh", "attendance"},
}

STATUS_WORDS = {
    "co mat": AttendanceStatus.PRESENT,
    "present": AttendanceStatus.PRESENT,
    "di muon": AttendanceStatus.LATE,
    "late": AttendanceStatus.LATE,
    "vang co phep": AttendanceStatus.EXCUSED,
    "excused": AttendanceStatus.EXCUSED,
    "vang": AttendanceStatus.ABSENT,
    "vang khong phep": AttendanceStatus.ABSENT,
    "absent": AttendanceStatus.ABSENT,
}


class SheetError(Exception):
    """The sheet was refused; ``errors`` lists every problem, each naming the file and row."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class SheetMark:
    row: int
    entry: RosterEntry
    status: str


@dataclass
class SheetResult:
    marked: int = 0
    unchanged: int = 0
    evidence_id: int | None = None
    rows: list[SheetMark] = field(default_factory=list)


def _key(text) -> str:
    return search_key(str(text or ""))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_rows(*, name: str, content: bytes) -> list[tuple[int, list[str]]]:
    """(row number as the user sees it, cells) for every row, header included."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise SheetError(
                [
                    _("%(file)s: not a readable XLSX file (%(error)s).")
                    % {"file": name, "error": exc}
                ]
            ) from exc
        sheet = book.worksheets[0]
        rows = [
            (n, [_cell(v) for v in row])
            for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        book.close()
        return rows
    if suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            message = _("%(file)s: the CSV file must be saved as UTF-8.") % {"file": name}
            raise SheetError([message]) from exc
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(io.StringIO(text), dialect)
        return [(reader.line_num, [_cell(v) for v in row]) for row in reader]
    raise SheetError([_("%(file)s: upload a .csv or .xlsx file.") % {"file": name}])


def parse_sheet(*, day: SessionDay, name: str, content: bytes) -> list[SheetMark]:
    """Validate the whole sheet against the day's roster; raise SheetError naming every bad row."""
    rows = [(n, cells) for n, cells in read_rows(name=name, content=content) if any(cells)]
    if not rows:
        raise SheetError([_("%(file)s: the file is empty.") % {"file": name}])
    if len(rows) > MAX_ROWS + 1:
        raise SheetError([_("%(file)s: more than %(max)d rows.") % {"file": name, "max": MAX_ROWS}])
    header_row, header = rows[0]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        for column, aliases in HEADERS.items():
            if _key(title) in aliases and column not in columns:
                columns[column] = index
    errors = []
    if "status" not in columns:
        errors.append(
            _("%(file)s, row %(row)d: no status column (expected “Điểm danh” or “status”).")
            % {"file": name, "row": header_row}
        )
    if not {"number", "staff_code", "name"} & set(columns):
        errors.append(
            _("%(file)s, row %(row)d: no column naming the official (No., staff_code or name).")
            % {"file": name, "row": header_row}
        )
    if errors:
        raise SheetError(errors)

    roster = day_roster(day=day)
    by_number = {e.number: e for e in roster}
    by_code = {e.staff_code.upper(): e for e in roster if e.staff_code}
    by_name: dict[str, list[RosterEntry]] = {}
    for entry in roster:
        by_name.setdefault(_key(entry.full_name), []).append(entry)

    def get(cells, column):
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    marks: list[SheetMark] = []
    seen: dict[int, int] = {}
    for row, cells in rows[1:]:
        where = {"file": name, "row": row}
        number, code, full_name, status_text = (
            get(cells, c) for c in ("number", "staff_code", "name", "status")
        )
        entry = None
        if code:
            entry = by_code.get(code.upper())
            if entry is None:
                errors.append(
                    _(
                        "%(file)s, row %(row)d, staff_code: “%(value)s” is not on this session's roster."  # noqa: E501
                    )
                    % {**where, "value": code}
                )
                continue
        elif number:
            if not number.isdigit() or int(number) not in by_number:
                errors.append(
                    _(
                        "%(file)s, row %(row)d, No.: “%(value)s” is not a number on the sign-in sheet."  # noqa: E501
                    )
                    % {**where, "value": number}
                )
                continue
            entry = by_number[int(number)]
            if full_name and _key(full_name) != _key(entry.full_name):
                errors.append(
                    _(
                        "%(file)s, row %(row)d, name: No. %(number)s on the sheet is “%(expected)s”, not “%(value)s”."  # noqa: E501
                    )
                    % {**where, "number": number, "expected": entry.full_name, "value": full_name}
                )
                continue
        elif full_name:
            found = by_name.get(_key(full_name), [])
            if len(found) != 1:
                message = (
                    _("%(file)s, row %(row)d, name: “%(value)s” is not on this session's roster.")
                    if not found
                    else _(
                        "%(file)s, row %(row)d, name: several officials are called “%(value)s”; give the No. or staff_code."  # noqa: E501
                    )
                )
                errors.append(message % {**where, "value": full_name})
                continue
            entry = found[0]
        else:
            errors.append(_("%(file)s, row %(row)d: give the No., staff_code or name.") % where)
            continue
        status = STATUS_WORDS.get(_key(status_text))
        if status is None:
            errors.append(
                _(
                    "%(file)s, row %(row)d, status: “%(value)s” is not one of có mặt, đi muộn, vắng có phép, vắng."  # noqa: E501
                )
                % {**where, "value": status_text}
            )
            continue
        previous = seen.get(entry.registration.pk)
        if previous is not None:
            errors.append(
                _("%(file)s, row %(row)d: %(official)s is already on row %(previous)d.")
                % {**where, "official": entry.full_name, "previous": previous}
            )
            continue
        seen[entry.registration.pk] = row
        marks.append(SheetMark(row=row, entry=entry, status=status))
    if errors:
        raise SheetError(errors)
    return marks


def sheet_import(*, day: SessionDay, data_file, evidence, by) -> SheetResult:
    """Validate everything, then keep the scan as private evidence and mark every row (sheet)."""
    if day.session.is_final:
        raise SheetError([_("This session is closed: its attendance can no longer be changed.")])
    marks = parse_sheet(day=day, name=data_file.name, content=data_file.read())
    try:
        checked = evidence_check(evidence)
    except EvidenceError as exc:
        raise SheetError([str(exc)]) from exc
    result = SheetResult(rows=marks)
    with transaction.atomic():
        scan = evidence_store(day=day, upload=evidence, checked=checked, by=by)
        result.evidence_id = scan.pk
        note = _("sign-in sheet, scan #%(id)d") % {"id": scan.pk}
        for mark in marks:
            outcome = attendance_mark(
                day=day,
                registration=mark.entry.registration,
                status=mark.status,
                method=AttendanceMethod.SHEET,
                by=by,
                note=note,
                evidence=scan,
            )
            if outcome.changed:
                result.marked += 1
            else:
                result.unchanged += 1
    return result
