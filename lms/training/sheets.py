"""Import a marked sign-in sheet (CSV or XLSX) for one session day: all rows or nothing.

Columns (header names in Vietnamese or English, accents and case ignored):
``No.``/``STT`` (the number printed on the sign-in sheet), ``staff_code``/``Mã cán bộ``,
``name``/``Họ và tên``, ``status``/``Điểm danh``. A row is matched by staff code, else by No.
(cross-checked against the name when both are given), else by name. Status values: có mặt /
đi muộn / vắng có phép / vắng, or present / late / excused / absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from lms.core.tabular import TableError, read_table
from lms.core.text import fold

from .attendance import RosterEntry, attendance_mark, day_roster
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


TEMPLATE_STATUSES = ("có mặt", "đi muộn", "vắng có phép", "vắng")


def sheet_template_xlsx(*, day: SessionDay) -> bytes:
    """The upload template for ``day``: the roster numbered as on the printed sheet, a status
    column to fill (with a drop-down list of the accepted words), bold headers, set widths."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from lms.core.tabular import xlsx_append

    wb = Workbook()
    ws = wb.active
    ws.title = f"{day.date:%d-%m-%Y}"
    xlsx_append(ws, ["STT", "Mã cán bộ", "Họ và tên", "Đơn vị", "Điểm danh"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    entries = day_roster(day=day)
    for entry in entries:
        xlsx_append(ws, [entry.number, entry.staff_code, entry.full_name, entry.agency, ""])
    for letter, width in zip("ABCDE", (6, 14, 32, 40, 16), strict=True):
        ws.column_dimensions[letter].width = width
    choices = DataValidation(
        type="list",
        formula1='"' + ",".join(TEMPLATE_STATUSES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Attendance"),
        error=_("Choose: có mặt, đi muộn, vắng có phép or vắng."),
    )
    ws.add_data_validation(choices)
    choices.add(f"E2:E{max(len(entries), 1) + 1 + 20}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


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


def parse_sheet(*, day: SessionDay, name: str, content: bytes) -> list[SheetMark]:
    """Validate the whole sheet against the day's roster; raise SheetError naming every bad row."""
    try:
        table = read_table(
            name=name, content=content, columns=HEADERS, max_rows=MAX_ROWS, allow_unknown=True
        )
    except TableError as exc:
        raise SheetError(exc.errors) from exc
    errors = []
    if "status" not in table.fields:
        errors.append(
            table.error(table.header_row, _("no status column (expected “Điểm danh” or “status”)."))
        )
    if not {"number", "staff_code", "name"} & set(table.fields):
        errors.append(
            table.error(
                table.header_row,
                _("no column naming the official (No., staff_code or name)."),
            )
        )
    if errors:
        raise SheetError(errors)

    roster = day_roster(day=day)
    by_number = {e.number: e for e in roster}
    by_code = {e.staff_code.upper(): e for e in roster if e.staff_code}
    by_name: dict[str, list[RosterEntry]] = {}
    for entry in roster:
        by_name.setdefault(fold(entry.full_name), []).append(entry)

    marks: list[SheetMark] = []
    seen: dict[int, int] = {}
    for row, cells in table.rows:
        where = {"file": name, "row": row}
        number, code, full_name, status_text = (
            " ".join(str(cells.get(c, "")).split())
            for c in ("number", "staff_code", "name", "status")
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
            if full_name and fold(full_name) != fold(entry.full_name):
                errors.append(
                    _(
                        "%(file)s, row %(row)d, name: No. %(number)s on the sheet is “%(expected)s”, not “%(value)s”."  # noqa: E501
                    )
                    % {**where, "number": number, "expected": entry.full_name, "value": full_name}
                )
                continue
        elif full_name:
            found = by_name.get(fold(full_name), [])
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
        status = STATUS_WORDS.get(fold(status_text))
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
