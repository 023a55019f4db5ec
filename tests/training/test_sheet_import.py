"""Importing a marked sign-in sheet: CSV and XLSX, all rows or nothing, bad rows named."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from lms.training.attendance import day_roster
from lms.training.models import Attendance, AttendanceChange, AttendanceEvidence, SessionStatus
from lms.training.sheets import SheetError, parse_sheet
from tests.factories.training_attendance import attendance_world


@pytest.fixture
def world(make_user, tree):
    return attendance_world(make_user, tree, officials=5)


def _csv(text, name="diem-danh.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def _scan():
    return SimpleUploadedFile("scan.pdf", b"%PDF-1.4 signed sheet", content_type="application/pdf")


def _url(day, name="training:sheet_upload"):
    return reverse(name, kwargs={"pk": day.session_id, "day_pk": day.pk})


def test_csv_import_marks_every_row_and_keeps_the_scan(client, world):
    day = world["day"]
    roster = day_roster(day=day)
    nhung = next(e for e in roster if e.full_name == "Nguyễn Thị Hồng Nhung")
    duc = next(e for e in roster if e.full_name == "Trần Văn Đức")
    text = (
        "STT;Mã cán bộ;Họ và tên;Điểm danh\n"
        f"{nhung.number};;Nguyễn Thị Hồng Nhung;Có mặt\n"
        f";{duc.staff_code};;đi muộn\n"
        ";;Lê Minh Anh;vắng có phép\n"
        ";;Phạm Quốc Bảo;absent\n"
    )
    client.force_login(world["trainer"])
    response = client.post(_url(day), {"data_file": _csv(text), "evidence": _scan()})
    assert response.status_code == 302, response.content.decode()[-2000:]
    marks = {
        a.registration.official.full_name: (a.status, a.method)
        for a in Attendance.objects.select_related("registration__official")
    }
    assert marks == {
        "Nguyễn Thị Hồng Nhung": ("present", "sheet"),
        "Trần Văn Đức": ("late", "sheet"),
        "Lê Minh Anh": ("excused", "sheet"),
        "Phạm Quốc Bảo": ("absent", "sheet"),
    }
    evidence = AttendanceEvidence.objects.get()
    assert evidence.file.read() == b"%PDF-1.4 signed sheet"
    assert AttendanceChange.objects.first().note == gettext("sign-in sheet, scan #%(id)d") % {
        "id": evidence.pk
    }


def test_xlsx_import(client, world):
    day = world["day"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["No.", "Name", "Status"])
    for entry in day_roster(day=day):
        sheet.append([entry.number, entry.full_name, "present"])
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("sheet.xlsx", out.getvalue())
    client.force_login(world["trainer"])
    assert client.post(_url(day), {"data_file": upload, "evidence": _scan()}).status_code == 302
    assert Attendance.objects.filter(day=day, status="present").count() == 5


def test_bad_rows_are_all_named_and_nothing_is_written(client, world):
    day = world["day"]
    text = (
        "No.,staff_code,name,status\n"
        "1,,,present\n"
        ",NOPE,,present\n"
        ",,Không Có Ai,absent\n"
        "99,,,present\n"
        ",,Lê Minh Anh,maybe\n"
        "1,,,late\n"
    )
    client.force_login(world["trainer"])
    response = client.post(_url(day), {"data_file": _csv(text, "bad.csv"), "evidence": _scan()})
    assert response.status_code == 400
    html = response.content.decode()
    for row in (3, 4, 5, 6, 7):
        assert f"bad.csv, row {row}" in html or f"bad.csv, dòng {row}" in html
    assert not Attendance.objects.exists()
    assert not AttendanceEvidence.objects.exists()


def test_number_and_name_must_agree(world):
    day = world["day"]
    first = day_roster(day=day)[0]
    wrong = next(e for e in day_roster(day=day) if e.number != first.number)
    text = f"No.,name,status\n{first.number},{wrong.full_name},present\n"
    with pytest.raises(SheetError) as err:
        parse_sheet(day=day, name="s.csv", content=text.encode())
    assert "s.csv, row 2" in str(err.value) or "s.csv, dòng 2" in str(err.value)


def test_missing_columns_and_wrong_file_type(world):
    day = world["day"]
    with pytest.raises(SheetError):
        parse_sheet(day=day, name="s.csv", content=b"name\nLe Minh Anh\n")
    with pytest.raises(SheetError):
        parse_sheet(day=day, name="s.txt", content=b"whatever")


def test_evidence_must_be_a_scan(client, world):
    day = world["day"]
    client.force_login(world["trainer"])
    bad = SimpleUploadedFile("virus.exe", b"MZ")
    response = client.post(
        _url(day), {"data_file": _csv("name,status\nLê Minh Anh,present\n"), "evidence": bad}
    )
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_closed_session_refuses_an_import(client, world):
    day = world["day"]
    day.session.status = SessionStatus.CLOSED
    day.session.save()
    client.force_login(world["trainer"])
    response = client.post(
        _url(day), {"data_file": _csv("name,status\nLê Minh Anh,present\n"), "evidence": _scan()}
    )
    assert response.status_code == 400
    assert not Attendance.objects.exists()
    assert not AttendanceEvidence.objects.exists()


def test_blank_row_bomb_is_refused_at_the_row_limit(client, world, monkeypatch):
    from lms.training import sheets
    from tests.core.test_tabular import blank_rows, hand_made_xlsx

    monkeypatch.setattr(sheets, "MAX_ROWS", 100)
    upload = SimpleUploadedFile("bomb.xlsx", hand_made_xlsx(blank_rows(5000)))
    client.force_login(world["trainer"])
    response = client.post(_url(world["day"]), {"data_file": upload, "evidence": _scan()})
    assert response.status_code == 400
    html = response.content.decode()
    assert "bomb.xlsx, row 102" in html or "bomb.xlsx, dòng 102" in html
    assert not Attendance.objects.exists()


def test_over_size_sheet_is_refused(client, world):
    text = "No.,status\n" + "1,present\n" * 600_000  # 6 MB
    client.force_login(world["trainer"])
    response = client.post(
        _url(world["day"]), {"data_file": _csv(text, "big.csv"), "evidence": _scan()}
    )
    assert response.status_code == 400
    assert "big.csv" in response.content.decode() and "5 MB" in response.content.decode()
    assert not Attendance.objects.exists()


def test_upload_template_lists_the_roster_and_imports_once_filled(client, world):
    """The XLSX template next to the upload: the day's roster, bold headers, a status list;
    filled in and uploaded, it marks everyone (issue 12)."""
    day = world["day"]
    client.force_login(world["trainer"])
    page = client.get(_url(day)).content.decode()
    template_url = _url(day, "training:sheet_template")
    assert template_url in page
    response = client.get(template_url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert [c.value for c in sheet[1]] == ["STT", "Mã cán bộ", "Họ và tên", "Đơn vị", "Điểm danh"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.column_dimensions["C"].width >= 30
    roster = day_roster(day=day)
    assert [sheet.cell(row=r, column=3).value for r in range(2, 2 + len(roster))] == [
        e.full_name for e in roster
    ]
    validation = sheet.data_validations.dataValidation[0]
    assert "vắng có phép" in validation.formula1 and "E2" in str(validation.sqref)
    # The trainer fills the status column and uploads the file as it is.
    words = ["có mặt", "đi muộn", "vắng có phép", "vắng", "có mặt"]
    for row, word in zip(range(2, 2 + len(roster)), words, strict=True):
        sheet.cell(row=row, column=5, value=word)
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("mau.xlsx", out.getvalue())
    response = client.post(_url(day), {"data_file": upload, "evidence": _scan()})
    assert response.status_code == 302, response.content.decode()[-2000:]
    statuses = sorted(Attendance.objects.filter(day=day).values_list("status", flat=True))
    assert statuses == sorted(["present", "late", "excused", "absent", "present"])
