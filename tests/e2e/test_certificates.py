"""Certificates in Chromium: the demo learner's certificate, its PDF and its public page."""

from __future__ import annotations

import re

from .conftest import check_a11y, login

DEMO_COURSE = "Nhận thức về HTQLCL"


def test_learner_downloads_the_certificate_and_anyone_verifies_it(page, browser, live_url):
    login(page, "learner")
    page.get_by_role("link", name="Giấy chứng nhận của tôi").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/certificates/")
    check_a11y(page, context="my certificates")
    row = page.locator("main tbody tr", has_text=DEMO_COURSE).first
    assert "Còn hiệu lực" in row.inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("Tải bản PDF")).click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"%PDF") and len(content) > 5000
    verify_path = row.locator("a[href^='/verify/']").get_attribute("href")
    assert re.fullmatch(r"/verify/[0-9A-Z]{5}(-[0-9A-Z]{5}){3}/", verify_path)

    anonymous = browser.new_context(base_url=live_url, locale="vi-VN")
    try:
        public = anonymous.new_page()
        response = public.goto(verify_path)
        assert response.status == 200
        text = public.locator("main").inner_text()
        assert "Giấy chứng nhận này là thật và còn hiệu lực." in text
        assert DEMO_COURSE in text
        check_a11y(public, context="verify page")
        missing = public.goto("/verify/AAAAA-BBBBB-CCCCC-DDDDD/")
        assert missing.status == 404
        check_a11y(public, context="verify 404")
    finally:
        anonymous.close()


def test_secretary_finds_the_certificate_and_opens_revoke_and_reissue(page):
    login(page, "secretary")
    page.goto("/certificates/manage/")
    check_a11y(page, context="certificates issued")
    with page.expect_navigation():
        page.locator("main tbody a").first.click()
    check_a11y(page, context="certificate detail")
    assert "Lịch sử" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Thu hồi").click()
    check_a11y(page, context="revoke form")
    page.go_back()
    with page.expect_navigation():
        page.get_by_role("link", name="Đính chính và cấp lại").click()
    check_a11y(page, context="reissue form")
    assert page.locator("input[name=holder_name]").input_value()
