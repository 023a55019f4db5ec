"""Competency records (issue 11): the secretary opens the matrix of her ward, filters it by
position kind and downloads it; the learner opens her profile and its printable record."""

from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook

from .conftest import check_a11y, login, manage_shell

# Certificates of the awareness course for three officials of the secretary's ward: no expiry
# (met), 30 days left (expiring) and the learner's own; each announced as the certificates app
# announces an issue, so the records come from the signal receivers.
ISSUE_CODE = """
import datetime, json, secrets
from django.utils import timezone
from lms.agencies.models import Agency, Assignment, Official
from lms.certificates.models import Certificate
from lms.certificates.signals import certificate_issued
from lms.courses.models import CoursePage
ward = Agency.objects.get(code="07210", valid_to__isnull=True)
course = CoursePage.objects.get(code="ISO-NT")
today = timezone.localdate()
learner = Official.objects.get(user__username="learner")
secretary = Official.objects.get(user__username="secretary")
others = list(
    Official.objects.filter(
        assignments__agency__path__startswith=ward.path, assignments__end_date__isnull=True
    ).exclude(pk__in=[learner.pk, secretary.pk]).distinct().order_by("pk")[:2]
)
plan = [(learner, None), (secretary, today + datetime.timedelta(days=30))]
plan += [(o, None) for o in others]
codes = {}
for official, until in plan:
    cert = Certificate.objects.create(
        code=secrets.token_hex(10).upper(), source_key="e2e:" + secrets.token_hex(8),
        official=official, holder_name=official.full_name, course=course,
        course_title=course.title, issued_on=today, valid_until=until,
    )
    certificate_issued.send(sender=Certificate, certificate=cert)
    codes[official.user.username if official.user else official.pk] = cert.code
print(json.dumps({"ward": ward.pk, "learner_code": codes["learner"]}))
"""


def _figures(page) -> dict[str, dict[str, int]]:
    """The summary table of the matrix page: code -> required, met, expiring, missing."""
    found = {}
    for row in page.locator("table.competency-summary tbody tr").all():
        found[row.get_attribute("data-code")] = {
            key: int(re.sub(r"\D", "", row.locator(f"td[data-figure={key}]").inner_text()))
            for key in ("required", "met", "expiring", "missing")
        }
    return found


def _xlsx_figures(content: bytes) -> dict[str, dict[str, int]]:
    """Counted from the officials' rows of the workbook, not read from its summary sheet."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    # Title, date, position kind, a blank row, then the header.
    header_at = next(i for i in range(1, len(rows)) if all(v is None for v in rows[i - 1]))
    header = rows[header_at]
    found = {}
    for index, title in enumerate(header[3:], start=3):
        code = title.split(" – ")[0]
        cells = [row[index] or "" for row in rows[header_at + 1 :]]
        met = sum(1 for c in cells if c == "Đạt")
        expiring = sum(1 for c in cells if c.startswith("Sắp hết hạn"))
        missing = sum(1 for c in cells if c == "Chưa đạt")
        found[code] = {
            "required": met + expiring + missing,
            "met": met,
            "expiring": expiring,
            "missing": missing,
        }
    return found


def test_secretary_opens_filters_and_downloads_the_matrix(page, server_env):
    facts = json.loads(manage_shell(server_env, ISSUE_CODE))
    login(page, "secretary")
    with page.expect_navigation():
        page.locator("nav.site-nav").get_by_role("link", name="Ma trận năng lực").click()
    assert page.url.endswith(f"/competencies/matrix/{facts['ward']}/")
    assert "Ma trận năng lực – Phường Bắc Giang" in page.locator("h1").inner_text()
    check_a11y(page, context="competency matrix")
    everyone = _figures(page)
    assert everyone["NHAN-THUC"]["met"] >= 3, everyone
    assert everyone["NHAN-THUC"]["expiring"] >= 1, everyone
    assert everyone["THU-KY"]["required"] >= 1, "the secretary needs the ISO secretary competency"

    page.select_option("#id_position", "iso_secretary")
    with page.expect_navigation():
        page.get_by_role("button", name="Lọc").click()
    assert "position=iso_secretary" in page.url
    check_a11y(page, context="competency matrix, filtered")
    filtered = _figures(page)
    assert set(filtered) == {"MUC-TIEU", "NHAN-THUC", "RUI-RO", "THU-KY"}
    assert filtered["NHAN-THUC"]["required"] < everyone["NHAN-THUC"]["required"]
    names = page.locator("table.competency-matrix tbody th").all_inner_texts()
    assert "Lê Thị Thu Hà" in names
    assert "Nguyễn Thị Lan" not in names, "the learner is a one-stop officer, filtered out"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải ma trận (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    content = open(download.path(), "rb").read()
    assert _xlsx_figures(content) == filtered

    # The unfiltered export agrees with the unfiltered page, over every page of officials.
    response = page.request.get(f"/competencies/matrix/{facts['ward']}/matrix.xlsx")
    assert response.status == 200
    assert _xlsx_figures(response.body()) == everyone

    # From a row to that official's profile.
    with page.expect_navigation():
        page.locator("table.competency-matrix").get_by_role("link", name="Lê Thị Thu Hà").click()
    assert "Hồ sơ năng lực" in page.locator("h1").inner_text()
    check_a11y(page, context="an official's competency profile")


def test_learner_opens_her_profile_and_printable_record(page, server_env):
    facts = json.loads(manage_shell(server_env, ISSUE_CODE))
    login(page, "learner")
    with page.expect_navigation():
        page.locator("nav.site-nav").get_by_role("link", name="Năng lực của tôi").click()
    check_a11y(page, context="my competency profile")
    main = page.locator("main").inner_text()
    assert "Nguyễn Thị Lan" in main
    assert "Nhận thức về hệ thống quản lý chất lượng" in main
    assert facts["learner_code"] in main
    row = page.locator("tr[data-code=NHAN-THUC]")
    assert row.locator(".badge-ok").inner_text() == "Đạt"
    assert page.locator("nav.site-nav").get_by_role("link", name="Ma trận năng lực").count() == 0
    href = page.get_by_role("link", name="Bản in hồ sơ (PDF)").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_admin_chooses_among_provinces(page):
    login(page, "admin")
    page.goto("/competencies/matrix/")
    check_a11y(page, context="competency matrix entry page")
    assert page.locator("main ul.plain-list li").count() >= 34
