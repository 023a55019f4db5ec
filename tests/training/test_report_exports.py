"""The session report's exports (issue 12): people and person-days labelled apart; the XLSX with
bold headers and column widths; the PDF as a Vietnamese administrative document."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.core.models import Role
from lms.training import reports
from lms.training.attendance import walkin_add
from lms.training.selectors import session_report
from tests.factories.training import AttendanceFactory, RegistrationFactory, session_with_days


@pytest.fixture
def trainer(make_user, tree):
    return make_user(role=Role.TRAINER, agency=tree["province_a"], username="r_trainer")


@pytest.fixture
def session(tree):
    session = session_with_days(tree["commune_a1"], days=2, title="Lớp tập huấn Đánh giá nội bộ")
    for i in range(3):
        reg = RegistrationFactory(
            session=session, agency=tree["commune_a1"], official__full_name=f"Nguyễn Văn {i}"
        )
        for day in session.days.all():
            AttendanceFactory(day=day, registration=reg, status="present")
    walkin_add(day=session.days.first(), full_name="Khách Vãng Lai", agency_name="Xã Z", by=None)
    return session


def test_per_agency_headings_tell_people_from_person_days(session, client, trainer):
    client.force_login(trainer)
    page = client.get(reverse("training:session_report", args=[session.pk])).content.decode()
    for heading in reports.agency_columns()[1:]:
        assert str(heading) in page
    # 3 people, each present on both days: 3 participants, 6 person-days present.
    wb = load_workbook(
        io.BytesIO(client.get(reverse("training:session_report_xlsx", args=[session.pk])).content)
    )
    sheet = wb.worksheets[2]
    header = [c.value for c in sheet[1]]
    assert header == [str(h) for h in reports.agency_columns()]
    assert header[1] != header[2] and "(" in header[1] and "(" in header[2]
    assert [c.value for c in sheet[2]][1:3] == [3, 6]


def test_xlsx_has_bold_headers_and_column_widths(session):
    content = reports.report_xlsx(session_report(session))
    wb = load_workbook(io.BytesIO(content))
    participants = wb.worksheets[0]
    header_row = next(
        r for r in range(1, 6) if participants.cell(row=r, column=1).value == gettext("Full name")
    )
    for cell in participants[header_row]:
        if cell.value:
            assert cell.font.bold, cell.value
    for sheet in wb.worksheets:
        first = 1 if sheet is not participants else header_row
        assert all(c.font.bold for c in sheet[first] if c.value), sheet.title
        # Every used column has a width wide enough for its longest value (within 8..60).
        for column in range(1, sheet.max_column + 1):
            letter = sheet.cell(row=first, column=column).column_letter
            width = sheet.column_dimensions[letter].width
            assert width and width >= 8, (sheet.title, letter, width)
    name_width = participants.column_dimensions["A"].width
    assert name_width >= len(gettext("Walk-ins not matched to an official"))
    # The unmatched walk-in is listed.
    values = [c.value for row in participants.iter_rows() for c in row]
    assert "Khách Vãng Lai" in values


def test_pdf_is_an_administrative_document(session, settings):
    settings.LANGUAGE_CODE = "vi"
    from django.utils import translation

    with translation.override("vi"):
        content = reports.report_pdf(
            session_report(session), issued_on=datetime.date(2026, 12, 5), signer="Trần Thị Bình"
        )
    reader = PdfReader(io.BytesIO(content))
    first = re.sub(r"[ \t]+", " ", reader.pages[0].extract_text())
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    # The issuing agency (the host, under its parent) in capitals, the place and date.
    host = session.host_agency
    assert host.name.upper() in first
    assert host.get_parent().name.upper() in first
    assert "Thử A, ngày 05 tháng 12 năm 2026" in first, first
    assert "BÁO CÁO" in first and "Lớp tập huấn Đánh giá nội bộ" in first
    # The signature block closes the document.
    assert "NGƯỜI LẬP BÁO CÁO" in text and "(Ký, ghi rõ họ tên)" in text
    assert text.rstrip().endswith("Trần Thị Bình")
    assert "Khách Vãng Lai" in text
    assert "(người)" in text and "(lượt người/ngày)" in text


def test_administrative_date_format():
    assert (
        reports.administrative_date("Bắc Ninh", datetime.date(2026, 3, 7))
        == "Bắc Ninh, ngày 07 tháng 03 năm 2026"
    )
