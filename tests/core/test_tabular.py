"""The one table reader: limits against spreadsheet bombs, CSV dialects, header aliases."""

import io
import zipfile

import pytest
from django.utils import translation

from lms.core import tabular
from lms.core.tabular import TableError, read_table

COLUMNS = {"full_name": ("full_name", "họ và tên"), "agency": ("agency", "đơn vị")}

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'  # noqa: E501
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'  # noqa: E501
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'  # noqa: E501
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'  # noqa: E501
    "</Relationships>"
)
HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>full_name</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>agency</t></is></c></row>'
)


def hand_made_xlsx(rows, *, dimension="A1:B2") -> bytes:
    """An XLSX whose sheet XML is streamed from ``rows`` (bytes per row) into the zip: fast."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<dimension ref="' + dimension.encode() + b'"/><sheetData>' + HEADER_ROW
            )
            chunk = []
            for row in rows:
                chunk.append(row)
                if len(chunk) == 10000:
                    sheet.write(b"".join(chunk))
                    chunk.clear()
            sheet.write(b"".join(chunk) + b"</sheetData></worksheet>")
    return buffer.getvalue()


def blank_rows(count):
    return (b'<row r="%d"/>' % n for n in range(2, count + 2))


def named_rows(count):
    return (
        b'<row r="%d"><c t="inlineStr"><is><t>Nguy\xe1\xbb\x85n V\xc4\x83n An</t></is></c>'
        b"<c><v>91001</v></c></row>" % n
        for n in range(2, count + 2)
    )


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def visited(monkeypatch):
    """Counts the rows the reader pulls out of openpyxl."""
    count = {"rows": 0}
    real = tabular._xlsx_rows

    def counting(name, content):
        for row in real(name, content):
            count["rows"] += 1
            yield row

    monkeypatch.setattr(tabular, "_xlsx_rows", counting)
    return count


def read(name, content, max_rows=20000):
    return read_table(
        name=name, content=content, columns=COLUMNS, required=[("full_name",)], max_rows=max_rows
    )


def test_hand_made_xlsx_is_read():
    table = read("ok.xlsx", hand_made_xlsx(named_rows(3)))
    assert table.rows == [(n, {"full_name": "Nguyễn Văn An", "agency": "91001"}) for n in (2, 3, 4)]


def test_blank_row_bomb_stops_at_the_row_limit(visited):
    content = hand_made_xlsx(blank_rows(1_500_000))
    assert len(content) < 5 * 1024 * 1024  # small enough to pass the upload limit
    with pytest.raises(TableError) as caught:
        read("blank.xlsx", content, max_rows=1000)
    assert caught.value.errors == [
        "blank.xlsx, row 1002: more than 1000 rows (blank rows count too); split the file."
    ]
    assert visited["rows"] == 1002  # stopped there: the other 1.5 M rows were never read


def test_forged_dimension_does_not_pad_rows(visited):
    table = read("wide.xlsx", hand_made_xlsx(named_rows(2), dimension="A1:XFD1048576"))
    assert len(table.rows) == 2 and visited["rows"] == 3


def test_one_and_a_half_million_rows_are_refused_before_opening(monkeypatch):
    content = hand_made_xlsx(named_rows(1_500_000))
    assert len(content) < 5 * 1024 * 1024  # and compressed only ~35x: the ratio check passes

    def never(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that unpacks to too much")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    with pytest.raises(TableError, match="big.xlsx: the file unpacks to more than 60 MB"):
        read("big.xlsx", content)


def test_zip_with_a_huge_compression_ratio_is_refused(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/sharedStrings.xml", b" " * (20 * 1024 * 1024))
    monkeypatch.setattr("openpyxl.load_workbook", None)  # never reached
    with pytest.raises(TableError, match=r"ratio.xlsx: the file is compressed suspiciously much"):
        read("ratio.xlsx", buffer.getvalue())


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken"])
def test_non_zip_or_corrupt_xlsx_is_refused(content):
    with pytest.raises(TableError) as caught:
        read("bad.xlsx", content)
    assert caught.value.errors == ["bad.xlsx: not a readable XLSX file."]


def test_csv_blank_row_bomb_stops_at_the_row_limit():
    with pytest.raises(TableError, match=r"blank.csv, row 102: more than 100 rows"):
        read("blank.csv", b"full_name,agency\n" + b"\n" * 1_000_000, max_rows=100)


def test_over_size_content_is_refused():
    with pytest.raises(TableError, match="huge.csv: the file is larger than 5 MB"):
        read("huge.csv", b"full_name\n" + b"x\n" * (3 * 1024 * 1024))


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_delimiter_bom_and_vietnamese_headers(bom, delimiter):
    text = f'\n HỌ VÀ  TÊN {delimiter}Đơn_vị\nNguyễn Văn An{delimiter}"91 / Sở Tư pháp; Xã A, B"\n'
    table = read("vi.csv", bom + text.encode())
    assert table.header_row == 2
    assert table.rows == [(3, {"full_name": "Nguyễn Văn An", "agency": "91 / Sở Tư pháp; Xã A, B"})]


def test_header_problems_name_the_file_and_row():
    with pytest.raises(TableError) as caught:
        read("h.csv", b"\nagency,colour,agency\n91,red,92\n")
    assert caught.value.errors == [
        "h.csv, row 2: unknown columns: colour",
        "h.csv, row 2: repeated columns: agency",
        "h.csv, row 2: missing columns: full_name",
    ]


def test_too_much_shared_text_is_refused_before_opening(monkeypatch):
    strings = b"".join(b"<si><t>%d</t></si>" % n for n in range(1_400_000))  # ~24 MB
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + strings + b"</sst>")
    monkeypatch.setattr("openpyxl.load_workbook", None)  # never reached
    with pytest.raises(TableError, match="text.xlsx: the file holds more than 20 MB of text"):
        read("text.xlsx", buffer.getvalue())
