"""Spreadsheets in and out: one reader for uploaded CSV/XLSX tables, one safe XLSX row writer.

Reading (``read_table``) is shared by the officials import, the training roster upload and the
sign-in sheet import, so every upload gets the same rules:

- CSV in UTF-8 with or without BOM, delimiter "," or ";" (or tab) taken from the header line;
  XLSX read streaming (openpyxl read-only, first sheet), never loaded whole.
- Headers matched through aliases after ``fold`` (case, accents, spacing, "_" ignored), so
  Vietnamese and English headers both work.
- Limits against spreadsheet bombs, each refused with an error naming the file (and row): the
  size of the upload, the XLSX zip checked before openpyxl opens it (total uncompressed size and
  compression ratio of every member), and a row limit that counts every row, blank ones too,
  and stops reading when it is passed (tests/core/test_tabular.py).

Writing (``xlsx_append``) stores text that a spreadsheet would run as a formula as text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .text import fold

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# An XLSX of 20,000 rows of officials unpacks to about 10 MB; legitimate sheets compress up to
# ~30x (repeated cell markup), bombs by hundreds to thousands.
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# openpyxl loads the shared strings whole even in read-only mode (only sheets stream).
MAX_SHARED_STRINGS_BYTES = 20 * 1024 * 1024

# OWASP "CSV injection": cells starting with these are run as formulas by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TableError(ValueError):
    """The file was refused; ``errors`` lists every problem, each naming the file (and row)."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Table:
    """The rows of a table keyed by field name; ``header_row`` and row numbers as users see them."""

    name: str
    header_row: int
    fields: list[str]
    rows: list[tuple[int, dict[str, object]]]

    def error(self, row: int, message: str) -> str:
        """``message`` prefixed with the file and row, the format of every import error."""
        return _("%(file)s, row %(row)d: %(message)s") % {
            "file": self.name,
            "row": row,
            "message": message,
        }


def _file_error(name: str, message: str) -> TableError:
    return TableError([_("%(file)s: %(message)s") % {"file": name, "message": message}])


def _too_large(name: str) -> str:
    return _("%(file)s: the file is larger than %(size)d MB.") % {
        "file": name,
        "size": MAX_UPLOAD_BYTES // (1024 * 1024),
    }


def validate_upload_size(upload) -> None:
    """Form field validator: refuse an uploaded table before anything reads it."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_too_large(upload.name))


def _cell(value) -> object:
    """Blank for None, integers without ".0", stripped text; dates are kept as they are."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _check_zip(name: str, content: bytes) -> None:
    """Refuse a non-zip or a zip bomb from the member headers, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _file_error(name, _("not a readable XLSX file.")) from exc
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise _file_error(
                name,
                _("the file is compressed suspiciously much (%(member)s); it was not opened.")
                % {"member": member.filename},
            )
        if (
            member.filename == "xl/sharedStrings.xml"
            and member.file_size > MAX_SHARED_STRINGS_BYTES
        ):
            raise _file_error(
                name,
                _("the file holds more than %(size)d MB of text; it was not opened.")
                % {"size": MAX_SHARED_STRINGS_BYTES // (1024 * 1024)},
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _file_error(
            name,
            _("the file unpacks to more than %(size)d MB; it was not opened.")
            % {"size": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)},
        )


def _xlsx_rows(name: str, content: bytes) -> Iterator[Sequence]:
    from openpyxl import load_workbook

    _check_zip(name, content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _file_error(name, _("not a readable XLSX file.")) from exc
    try:
        sheet = book.worksheets[0]
        # A forged <dimension> would otherwise pad every row to its width.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    except TableError:
        raise
    except Exception as exc:  # damaged sheet XML surfaces only while iterating
        raise _file_error(name, _("not a readable XLSX file.")) from exc
    finally:
        book.close()


def _csv_rows(name: str, content: bytes) -> Iterator[Sequence]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(name, _("save the CSV file as UTF-8.")) from exc
    # Lazily: splitting a file of blank lines into a list would cost far more than the file.
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = max(",;\t", key=first.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise _file_error(name, _("not a readable CSV file (%(error)s).") % {"error": exc}) from exc


def read_table(
    *,
    name: str,
    content: bytes,
    columns: Mapping[str, Iterable[str]],
    max_rows: int,
    required: Sequence[Sequence[str]] = (),
    allow_unknown: bool = False,
) -> Table:
    """Read a CSV or XLSX table whose first non-blank row names its columns.

    ``columns`` maps each field to its accepted headers. ``required`` lists alternatives: the
    header must name every field of at least one of them. Blank rows are skipped but counted
    against ``max_rows`` (the rows after the first), and reading stops as soon as it is passed.
    """
    if len(content) > MAX_UPLOAD_BYTES:
        raise TableError([_too_large(name)])
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        source = _xlsx_rows(name, content)
    elif suffix == ".csv":
        source = _csv_rows(name, content)
    else:
        raise _file_error(name, _("upload a .csv or .xlsx file."))
    aliases = {fold(header): field for field, headers in columns.items() for header in headers}
    table = Table(name=name, header_row=0, fields=[], rows=[])
    for number, values in enumerate(source, start=1):
        if number > max_rows + 1:
            source.close()
            raise TableError(
                [
                    table.error(
                        number,
                        _("more than %(max)d rows (blank rows count too); split the file.")
                        % {"max": max_rows},
                    )
                ]
            )
        cells = [_cell(v) for v in values]
        if not any(c != "" for c in cells):
            continue
        if not table.header_row:
            table.header_row = number
            _read_header(table, cells, aliases, required, allow_unknown)
            continue
        table.rows.append((number, {f: c for f, c in zip(table.fields, cells, strict=False) if f}))
    if not table.header_row:
        raise _file_error(name, _("the file is empty."))
    return table


def _read_header(table: Table, cells, aliases, required, allow_unknown) -> None:
    headers = [fold(str(c)) for c in cells]
    table.fields = [aliases.get(h, "") for h in headers]
    problems = []
    unknown = [str(c) for c, h, f in zip(cells, headers, table.fields, strict=True) if h and not f]
    if unknown and not allow_unknown:
        problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
    named = set(table.fields)
    repeated = sorted({f for f in table.fields if f and table.fields.count(f) > 1})
    if repeated:
        problems.append(_("repeated columns: %(columns)s") % {"columns": ", ".join(repeated)})
    if required and not any(set(option) <= named for option in required):
        if len(required) == 1:
            missing = [f for f in required[0] if f not in named]
            problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
        else:
            options = "; ".join(", ".join(option) for option in required)
            problems.append(
                _("the columns must include one of: %(options)s") % {"options": options}
            )
    if problems:
        raise TableError([table.error(table.header_row, p) for p in problems])


def xlsx_append(sheet, values: Iterable) -> None:
    """Append a row; text that a spreadsheet would run as a formula is stored as plain text.

    openpyxl turns any string starting with "=" into a formula. Such cells are forced to string
    type with Excel's quote prefix (the cell shows the text, and editing it keeps it text);
    "+", "-", "@", tab and CR get the prefix too, as OWASP advises, since they are formulas to
    Excel when retyped or re-exported.
    """
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True
