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
    # Visits are written once a second (lms/courses/seen.py): a learner back on "My learning"
    # within that second may still be offered the lesson before; wait for the write, at most 10 s.
    page.goto("/")
    resume = third_lesson_url.removeprefix(page.url.rstrip("/"))
    for _ in range(20):
        page.goto("/learn/")
        card = page.locator("li.card", has_text=COURSE_TITLE)
        if card.locator("a.button").get_attribute("href") == resume:
            break
        page.wait_for_timeout(500)
    check_a11y(page, context="my learning")
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


def test_login_lands_on_my_learning_and_mark_as_done_updates_in_place(page):
    """Issue 12: after login "My learning"; the home page shows the learner's own; "mark as done"
    moves the sidebar's progress and ✓ without a reload and keeps the focus."""
    from .conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    login(page, "learner")
    assert page.url.endswith("/learn/"), page.url
    assert page.locator("h2#my-sessions").is_visible()
    check_a11y(page, context="my learning with sessions and results")
    page.screenshot(path=str(ARTIFACTS / "my-learning.png"), full_page=True)
    page.goto("/")
    assert page.locator("section.learner-home li.card").count() >= 1
    check_a11y(page, context="home page, logged in")
    page.screenshot(path=str(ARTIFACTS / "home-logged-in.png"), full_page=True)

    # A lesson not done yet, reached from "My learning".
    page.goto("/learn/")
    with page.expect_navigation():
        page.locator("li.card a.button").first.click()
    for _ in range(30):
        if page.locator("#lesson-done button").count():
            break
        with page.expect_navigation():
            page.locator(".lesson-pager a[rel=next]").click()
    lesson_url = page.url
    before = _progress(page)
    page.evaluate("window.__notReloaded = true")
    page.locator("#lesson-done button").focus()
    page.keyboard.press("Enter")
    page.locator("#lesson-done .badge").wait_for()
    page.locator(".course-outline li.current .badge-ok").wait_for()
    assert page.url == lesson_url
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    assert _progress(page) > before
    assert page.evaluate("document.activeElement.id") == "lesson-done-focus"
    check_a11y(page, context="lesson after mark as done")
    page.screenshot(path=str(ARTIFACTS / "lesson-marked-done.png"), full_page=False)


def test_module_quiz_follows_its_lessons_and_shows_its_status(page):
    login(page, "learner")
    page.goto("/learn/catalogue/")
    page.get_by_role("link", name=re.compile("Nhận thức về HTQLCL")).first.click()
    page.wait_for_load_state()
    module = page.locator(".course-outline-module").first
    quiz_link = module.locator("li.outline-quiz a")
    quiz_href = quiz_link.get_attribute("href")
    assert quiz_href and "/quizzes/" in quiz_href
    assert re.search(r"Đạt|Chưa đạt|Chưa làm", module.locator("li.outline-quiz").inner_text())
    last_lesson = module.locator("li:not(.outline-quiz) a").last
    with page.expect_navigation():
        last_lesson.click()
    assert page.locator(".lesson-pager a[rel=next]").get_attribute("href") == quiz_href
    assert "Bài kiểm tra chuyên đề" in page.locator(".lesson-pager a[rel=next]").inner_text()
    assert page.locator(".lesson-sidebar li.outline-quiz").count() >= 1
    check_a11y(page, context="last lesson of a module")
