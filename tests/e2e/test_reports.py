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


UNITS_NAV = "Các trang đơn vị trực thuộc"


def _all_figures(page) -> dict[str, tuple[int, int]]:
    """The coverage table's figures across its pages (50 agencies a page)."""
    start = page.url
    found = _page_figures(page)
    following = page.get_by_role("navigation", name=UNITS_NAV).get_by_role("link", name="Trang sau")
    while following.count():
        with page.expect_navigation():
            following.click()
        found.update(_page_figures(page))
    page.goto(start)
    return found


def _to_row_link(page, name: str):
    """The link of the agency ``name`` in the coverage table, going through its pages."""
    link = page.locator("#coverage-table").get_by_role("link", name=name, exact=True)
    following = page.get_by_role("navigation", name=UNITS_NAV).get_by_role("link", name="Trang sau")
    while not link.count() and following.count():
        with page.expect_navigation():
            following.click()
    return link


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
    figures = _all_figures(page)
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
        _to_row_link(page, facts["ward_name"]).click()
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


PROVINCE_CODE = """
import json
from lms.agencies.models import Agency
ward = Agency.objects.get(code="07210", valid_to__isnull=True)
province = ward.get_parent()
print(json.dumps({"province": province.pk, "ward": ward.pk, "ward_name": ward.name,
                  "children": province.get_children().count()}))
"""


def _shot(page, name: str) -> None:
    from .conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reports-{name}.png"), full_page=True)


def _current_page(nav) -> str:
    current = nav.locator('a[aria-current="page"]')
    assert current.count() == 1
    return current.inner_text().split()[-1]


def test_province_units_are_paged_keeping_the_filters(page, server_env):
    facts = json.loads(manage_shell(server_env, PROVINCE_CODE))
    assert facts["children"] > 50, "the demo province has more units than one page"
    login(page, "steering")
    page.goto(f"/reports/{facts['province']}/")
    nav = page.get_by_role("navigation", name=UNITS_NAV)
    assert _current_page(nav) == "1"
    assert (
        page.locator("#coverage-table tbody tr[data-agency]:not([data-agency=own])").count() == 50
    )
    # A filter, then the second page: the filter stays, the second page is the current one.
    page.select_option("#id_position_kind", "specialist")
    submit(page, "form.report-filters button[type=submit]")
    with page.expect_navigation():
        nav.get_by_role("link", name="Trang 2", exact=True).click()
    assert "position_kind=specialist" in page.url and "page=2" in page.url
    assert page.locator("#id_position_kind").input_value() == "specialist"
    assert _current_page(nav) == "2"
    check_a11y(page, context="dashboard, second page of units")
    _shot(page, "dashboard-page-2")

    # The agency page lists the same province's units a page at a time.
    page.goto(f"/agencies/{facts['province']}/")
    units = page.get_by_role("navigation", name=UNITS_NAV)
    assert _current_page(units) == "1"
    with page.expect_navigation():
        units.get_by_role("link", name="Trang sau").click()
    assert "units_page=2" in page.url and _current_page(units) == "2"
    check_a11y(page, context="agency page, second page of units")
    _shot(page, "agency-units-page-2")

    # A bad filter is refused, named, and the form is there to correct it.
    page.goto(f"/reports/{facts['province']}/?start=javascript:alert(1)")
    alert = page.locator(".report-filters [role=alert]")
    assert "Từ tháng" in alert.inner_text()
    check_a11y(page, context="refused filters")
    _shot(page, "refused-filters")


def test_untrained_list_opens_the_assign_form_prefilled(page, server_env):
    facts = json.loads(manage_shell(server_env, PROVINCE_CODE))
    login(page, "steering")
    page.goto(f"/reports/{facts['ward']}/untrained/?position_kind=specialist")
    with page.expect_navigation():
        page.locator("#untrained-assign").click()
    assert f"/reports/{facts['ward']}/untrained/assign/" in page.url
    chosen = page.locator("#id_agencies option:checked").all_inner_texts()
    assert [text.strip() for text in chosen] == [facts["ward_name"]] or (
        len(chosen) == 1 and facts["ward_name"] in chosen[0]
    ), chosen
    assert page.locator("input[name=position_kinds][value=specialist]").is_checked()
    check_a11y(page, context="assign form, prefilled")
    _shot(page, "assign-prefilled")
    # The form goes to the courses' own page, which counts the officials it would assign.
    page.select_option("#id_course", index=1)
    submit(page, "button[name=preview]")
    assert page.url.split("?")[0].endswith("/learn/assign/")  # courses:assign
    assert page.locator("p.message[role=status]").count() == 1
