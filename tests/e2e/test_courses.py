"""Self-paced learning as the demo users meet it (issue: courses and self-paced learning)."""

import datetime
import re

from .conftest import check_a11y, login, submit

COURSE_TITLE = "Duy trì, cải tiến và chấm điểm HTQLCL"


def _progress(page) -> int:
    return int(page.locator(".course-progress .progress").first.get_attribute("aria-valuenow"))


def test_learner_enrols_reads_in_order_leaves_and_resumes(page):
    login(page, "learner")
    page.goto("/learn/catalogue/")
    check_a11y(page, context="course catalogue")
    page.get_by_role("link", name=re.compile(COURSE_TITLE)).first.click()
    page.wait_for_load_state()
    check_a11y(page, context="course page before enrolment")
    submit(page, "main form button:has-text('Đăng ký')")
    assert _progress(page) == 0

    # Start: the first lesson, with the outline, previous/next and "mark as done".
    with page.expect_navigation():
        page.locator(".course-actions a.button").click()
    first_lesson_url = page.url
    check_a11y(page, context="lesson page")
    assert page.locator(".lesson-sidebar").is_visible()
    page.locator("#lesson-done button").click()
    page.locator("#lesson-done .badge").wait_for()
    with page.expect_navigation():
        page.locator(".lesson-pager a[rel=next]").click()
    second_lesson_url = page.url
    assert second_lesson_url != first_lesson_url
    page.locator("#lesson-done button").click()
    page.locator("#lesson-done .badge").wait_for()
    with page.expect_navigation():
        page.locator(".lesson-pager a[rel=next]").click()
    third_lesson_url = page.url
    assert third_lesson_url not in (first_lesson_url, second_lesson_url)

    # Leave, come back through "My learning": progress moved, "Continue" resumes at lesson 3.
    page.goto("/")
    page.goto("/learn/")
    check_a11y(page, context="my learning")
    card = page.locator("li.card", has_text=COURSE_TITLE)
    assert int(card.locator(".progress").get_attribute("aria-valuenow")) > 0
    assert "2" in card.locator(".course-progress p").inner_text()
    with page.expect_navigation():
        card.locator("a.button").click()
    assert page.url == third_lesson_url


def test_search_ignores_diacritics(page):
    login(page, "learner")
    page.goto("/learn/search/?q=danh+gia+noi+bo")
    check_a11y(page, context="lesson search")
    results = page.locator("main").inner_text().lower()
    assert "đánh giá nội bộ" in results


def test_secretary_assigns_a_course_to_an_agency_subtree(page):
    login(page, "secretary")
    page.goto("/learn/assign/")
    check_a11y(page, context="assign a course")
    option = page.locator("select[name=course] option", has_text="Nhận thức").first
    page.select_option("select[name=course]", value=option.get_attribute("value"))
    agencies = page.locator("select[name=agencies] option")
    assert agencies.count() >= 1
    page.select_option("select[name=agencies]", index=0)
    due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    page.fill("input[name=due_date]", due)
    submit(page, "main form button[type=submit]")
    text = page.locator("main").inner_text()
    assert re.search(r"\d+", text)
    assert page.locator(".message, [role=status]").count() >= 1
