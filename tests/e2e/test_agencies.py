"""The agency tree, the 2025 succession and the roster import (steering, secretary)."""

import re

from .conftest import check_a11y, login, submit


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def test_steering_sees_bac_giang_rolled_up_into_bac_ninh(page):
    login(page, "steering")
    page.goto("/agencies/?q=Bắc Ninh")
    check_a11y(page, context="agency list")
    with page.expect_navigation():
        page.get_by_role("link", name="Tỉnh Bắc Ninh", exact=True).first.click()
    check_a11y(page, context="agency detail")
    body = page.locator("main").inner_text()
    assert "Tỉnh Bắc Giang" in body, "the detail page names the predecessor province"
    assert "01/07/2025" in body
    facts = page.locator("dl").first
    now = _number(facts.locator("dt:has-text('hiện nay') + dd").first.inner_text())
    ever = _number(facts.locator("dt:has-text('kể cả đơn vị cũ') + dd").first.inner_text())
    assert ever > now, f"records made under old Bắc Giang must roll up ({ever} vs {now})"
    assert page.get_by_role("heading", name="Sắp xếp, kế thừa").count() == 1


def test_secretary_import_with_a_bad_row_saves_nothing_then_a_good_one_imports(page, tmp_path):
    login(page, "secretary")
    page.goto("/agencies/import/")
    check_a11y(page, context="import officials form")
    bad = tmp_path / "danh-sach-loi.csv"
    bad.write_text(
        "mã cán bộ,họ và tên,email,đơn vị,loại vị trí,chức vụ,ngày bắt đầu\n"
        "E2E-0001,Lê Thị Thu Hà,ha.ltt@example.org,07210,chuyên viên,Công chức tư pháp,01/07/2025\n"
        "E2E-0002,,,07210,chuyên viên,,01/07/2025\n",
        encoding="utf-8",
    )
    page.set_input_files("input[type=file]", str(bad))
    submit(page, "main form button[type=submit]")
    alert = page.locator("main .message-error")
    assert alert.count() >= 1
    errors = page.locator("table.agencies-errors tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td").first.inner_text().strip() == "3"
    check_a11y(page, context="import officials errors")

    good = tmp_path / "danh-sach.csv"
    good.write_text(
        "mã cán bộ,họ và tên,email,đơn vị,loại vị trí,chức vụ,ngày bắt đầu\n"
        "E2E-0001,Lê Thị Thu Hà,ha.ltt@example.org,07210,chuyên viên,Công chức tư pháp,01/07/2025\n"
        "E2E-0002,Phạm Văn Đức,,07210,cán bộ một cửa,Công chức một cửa,01/07/2025\n",
        encoding="utf-8",
    )
    page.set_input_files("input[type=file]", str(good))
    submit(page, "main form button[type=submit]")
    assert page.locator("main .message-success").count() == 1
    assert "2" in page.locator("main .message-success").inner_text()
