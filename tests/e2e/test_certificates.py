"""Certificates in Chromium: 'learner2' finishes the awareness course (the last lesson and the
final quiz), gets the certificate, downloads its PDF and anyone verifies it; the secretary sees the
competency it gives in her ward's matrix and manages the certificates."""

from __future__ import annotations

import io
import re

import yaml
from pypdf import PdfReader

from .conftest import ROOT, check_a11y, login, submit
from .test_competencies import _figures

DEMO_COURSE = "Nhận thức về HTQLCL"
FINAL_QUIZ = "nt-cuoi-khoa"
COURSE_PATH = "/khoa-hoc/nhan-thuc-htqlcl/"
LAST_LESSON = "su-thoa-man-cua-khach-hang/phan-tich-va-danh-gia-ket-qua/"
HOLDER = "Hoàng Văn Nam"  # 'learner2' in the demo: every lesson done but the last


def _norm(text: str) -> str:
    """Letters and digits only, case-folded: compares texts whatever markdown/HTML did to them."""
    import html
    import unicodedata

    text = unicodedata.normalize("NFC", html.unescape(text or "")).casefold()
    return re.sub(r"[\W_]+", "", re.sub(r"</?p>", "", text))


def _bank() -> dict[str, dict]:
    """The shipped questions (content/quizzes/*.yaml) by their normalised text."""
    questions = {}
    for path in sorted((ROOT / "content" / "quizzes").glob("*.yaml")):
        for question in yaml.safe_load(path.read_text(encoding="utf-8")).get("questions") or []:
            questions[_norm(question["text"])] = question
    return questions


def _answer_rightly(page) -> int:
    """Tick the right answers of every question of the attempt page, from the quiz files."""
    bank = _bank()
    answered = 0
    for fieldset in page.locator("fieldset.quiz-question").all():
        question = bank[_norm(fieldset.locator(".prose").first.inner_text())]
        if question["kind"] == "truefalse":
            value = "true" if question["answer"] else "false"
            fieldset.locator(f"input[value={value}]").check()
        elif question["kind"] == "short":
            fieldset.locator("input[type=text]").fill(question["answers"][0])
        else:
            right = {_norm(c["text"]) for c in question["choices"] if c.get("correct")}
            for item in fieldset.locator(".quiz-choices li").all():
                if _norm(item.locator("label").inner_text()) in right:
                    item.locator("input").check()
        answered += 1
    return answered


def test_learner_finishes_the_course_gets_the_certificate_and_anyone_verifies_it(
    page, browser, live_url
):
    # The secretary's matrix before: how many of her ward's officials have the awareness.
    secretary = browser.new_context(base_url=live_url, locale="vi-VN")
    try:
        matrix = secretary.new_page()
        login(matrix, "secretary")
        with matrix.expect_navigation():
            matrix.locator("nav.site-nav").get_by_role("link", name="Ma trận năng lực").click()
        matrix_url = matrix.url
        before = _figures(matrix)["NHAN-THUC"]

        login(page, "learner2")
        page.goto("/certificates/")
        assert page.locator("main tbody tr", has_text=DEMO_COURSE).count() == 0
        # "My learning" resumes the course at its last lesson, the one not done.
        page.goto("/learn/")
        card = page.locator("li.card", has_text=DEMO_COURSE)
        with page.expect_navigation():
            card.locator("a.button").click()
        assert page.url.endswith(f"{COURSE_PATH}{LAST_LESSON}"), page.url
        page.locator("#lesson-done button").click()
        page.locator("#lesson-done .badge").wait_for()
        # Every lesson done: the course page now offers the final quiz.
        page.goto(COURSE_PATH)
        with page.expect_navigation():
            page.locator(".course-actions").get_by_role(
                "link", name="Làm bài kiểm tra cuối khóa"
            ).click()
        assert page.url.endswith(f"/quizzes/{FINAL_QUIZ}/")
        submit(page, "main form[action$='/start/'] button[type=submit]")
        assert re.search(r"/quizzes/sittings/\d+/$", page.url), page.url
        assert _answer_rightly(page) == 24
        page.once("dialog", lambda dialog: dialog.accept())
        submit(page, "#submit-attempt")
        assert re.search(r"/quizzes/sittings/\d+/result/$", page.url), page.url
        summary = page.locator(".quiz-summary")
        assert summary.locator(".badge-ok").count() == 1, summary.inner_text()

        # The certificate is issued on completion: "My certificates" lists it.
        page.get_by_role("link", name="Giấy chứng nhận của tôi").first.click()
        page.wait_for_load_state()
        assert page.url.endswith("/certificates/")
        check_a11y(page, context="my certificates")
        row = page.locator("main tbody tr", has_text=DEMO_COURSE).first
        assert "Còn hiệu lực" in row.inner_text()
        with page.expect_download() as download:
            row.get_by_role("link", name=re.compile("Tải bản PDF")).click()
        content = open(download.value.path(), "rb").read()
        assert content.startswith(b"%PDF")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        assert HOLDER in text, text[:500]
        verify_path = row.locator("a[href^='/verify/']").get_attribute("href")
        assert re.fullmatch(r"/verify/[0-9A-Z]{5}(-[0-9A-Z]{5}){3}/", verify_path)
        code = verify_path.split("/")[2]
        assert code in text

        anonymous = browser.new_context(base_url=live_url, locale="vi-VN")
        try:
            public = anonymous.new_page()
            response = public.goto(verify_path)
            assert response.status == 200
            shown = public.locator("main").inner_text()
            assert "Giấy chứng nhận này là thật và còn hiệu lực." in shown
            assert HOLDER in shown and DEMO_COURSE in shown
            check_a11y(public, context="verify page")
            missing = public.goto("/verify/AAAAA-BBBBB-CCCCC-DDDDD/")
            assert missing.status == 404
            check_a11y(public, context="verify 404")
        finally:
            anonymous.close()

        # The secretary's matrix: one more official of her ward has the awareness competency.
        matrix.goto(matrix_url)
        check_a11y(matrix, context="competency matrix")
        after = _figures(matrix)["NHAN-THUC"]
        assert after["met"] == before["met"] + 1, (before, after)
        assert after["missing"] == before["missing"] - 1, (before, after)
    finally:
        secretary.close()


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
