"""An editor imports a GIFT file in Wagtail's admin: the dry run's summary (the command's own),
then "Import"; both pages axe-clean. The questions then appear in the admin's question list."""

from __future__ import annotations

import uuid

from .conftest import check_a11y, login

GIFT = """$CATEGORY: E2E-{token}

::e2e-plan-{token}:: Bước nào lập kế hoạch trong chu trình PDCA? {{=Plan ~Do ~Check}}

::e2e-tf-{token}:: Thông tin dạng văn bản phải được kiểm soát. {{T}}
"""


def test_editor_imports_a_gift_file_after_a_dry_run(page):
    token = uuid.uuid4().hex[:8]
    name = f"bank-{token}.gift"
    login(page, "editor")
    page.goto("/admin/question_import/")
    check_a11y(page, context="question import form")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": name,
                "mimeType": "text/plain",
                "buffer": GIFT.format(token=token).encode("utf-8"),
            }
        ],
    )
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    summary = page.locator("pre.quiz-import-summary").inner_text()
    assert summary.startswith(f"Would import 2 question(s) from {name}"), summary
    assert "Dry run: nothing was saved." in summary
    check_a11y(page, context="question import dry run")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    summary = page.locator("pre.quiz-import-summary").inner_text()
    assert summary.startswith(f"Imported 2 question(s) from {name}"), summary
    check_a11y(page, context="question import done")
    page.goto(f"/admin/bank_questions/?q=e2e-plan-{token}")
    assert f"e2e-plan-{token}" in page.locator("main").inner_text()
