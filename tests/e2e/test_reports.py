"""Dashboards: the steering committee member of Tỉnh Bắc Ninh opens the province's dashboard,
drills down to a ward and its officials, exports the coverage table (XLSX, the same figures as
the page) and a background export of the whole dashboard, downloaded when its progress is done."""

from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook

from .conftest import check_a11y, login, manage_shell, submit

# Certificates of the awareness course for a few officials of Phường Bắc Giang, announced as the
# certificates app announces an issue: the summary tables follow through the signals.
ISSUE_CODE = """
import datetime, json, secrets
from django.utils import timezone
from lms.agencies.models import Agency, Official
from lms.certificates.models import Certificate
from lms.certificates.signals import certificate_issued
from lms.courses.models import CoursePage
ward = Agency.objects.get(code="07210", valid_to__isnull=True)
course = CoursePage.objects.get(code="ISO-NT")
today = timezone.localdate()
officials = list(
    Official.objects.filter(
        assignments__agency__path__startswith=ward.path, assignments__end_date__isnull=True
    ).distinct().order_by("pk")[:4]
)
for index, official in enumerate(officials):
    until = today + datetime.timedelta(days=30) if index == 0 else None
    cert = Certificate.objects.create(
        code=secrets.token_hex(10).upper(), source_key="e2e-reports:" + secrets.token_hex(8),
        official=official, holder_name=official.full_name, course=course,
        course_title=course.title, issued_on=today, valid_until=until,
    )
    certificate_issued.send(sender=Certificate, certificate=cert)
print(json.dumps({"ward": ward.pk, "ward_name": ward.name, "province": ward.get_parent().pk}))
"""


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text) or 0)


def _page_figures(page) -> dict[str, tuple[int, int]]:
    """Agency name -> (officials, certificates expiring), from the coverage table."""
    found = {}
    for row in page.locator("#coverage-table tbody tr").all():
        name = row.locator("th").inner_text().strip()
        found[name] = (
            _number(row.locator("td[data-figure=officials]").inner_text()),
            _number(row.locator("td[data-figure=expiring]").inner_text()),
        )
    return found


def _xlsx_figures(content: bytes, sheet_name: str | None = None) -> dict[str, tuple[int, int]]:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[sheet_name] if sheet_name else workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[3]
    expiring_at = len(header) - 1
    return {row[0]: (row[1], row[expiring_at]) for row in rows[4:-1]}  # the last is the total


def test_steering_member_drills_down_and_exports(page, server_env):
    facts = json.loads(manage_shell(server_env, ISSUE_CODE))
    login(page, "steering")
    with page.expect_navigation():
        page.locator("nav.site-nav").get_by_role("link", name="Bảng theo dõi đào tạo").click()
    assert page.url.endswith(f"/reports/{facts['province']}/")
    assert "Bảng theo dõi đào tạo: Tỉnh Bắc Ninh" in page.locator("h1").inner_text()
    check_a11y(page, context="province dashboard")
    figures = _page_figures(page)
    assert figures[facts["ward_name"]][0] >= 4, figures
    assert figures[facts["ward_name"]][1] >= 1, "the certificate expiring in 30 days"
    assert page.locator("svg.chart").count() >= 1
    total = _number(page.locator("#coverage-table tfoot td[data-figure=officials]").inner_text())
    assert total == sum(officials for officials, _e in figures.values())

    # The coverage table as XLSX holds the page's figures.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bảng bao phủ (XLSX)").click()
    content = open(download_info.value.path(), "rb").read()
    assert _xlsx_figures(content) == figures

    # Drill down: the ward, then its officials.
    with page.expect_navigation():
        page.locator("#coverage-table").get_by_role("link", name=facts["ward_name"]).click()
    assert page.url.split("?")[0].endswith(f"/reports/{facts['ward']}/")
    check_a11y(page, context="ward dashboard")
    with page.expect_navigation():
        page.get_by_role(
            "link", name=f"Công chức của {facts['ward_name']} và tình trạng đào tạo"
        ).click()
    check_a11y(page, context="officials of the ward")
    statuses = page.locator("#report-table tbody tr td:nth-child(4)").all_inner_texts()
    assert "Đã được đào tạo" in statuses and "Chưa được đào tạo" in statuses
    assert len(statuses) >= figures[facts["ward_name"]][0] or len(statuses) == 50

    # The whole province in the background: progress, then the download.
    page.goto(f"/reports/{facts['province']}/")
    submit(page, "button:has-text('Xuất toàn bộ bảng theo dõi')")
    assert "/reports/exports/" in page.url
    page.locator("#export-download").wait_for(timeout=60_000)
    assert page.locator("progress").get_attribute("value") == "100"
    check_a11y(page, context="export progress")
    with page.expect_download() as download_info:
        page.locator("#export-download").click()
    content = open(download_info.value.path(), "rb").read()
    assert "officials" in load_workbook(io.BytesIO(content)).sheetnames
    assert _xlsx_figures(content, "coverage") == figures
