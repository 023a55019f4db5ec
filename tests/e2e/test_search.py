"""Searching the lessons from the header of any page: ranked results, matches marked."""

import re

from .conftest import ARTIFACTS, check_a11y, login


def test_learner_searches_from_the_header_of_a_lesson(page):
    login(page, "learner")
    page.goto("/learn/")
    with page.expect_navigation():
        page.locator("li.card a.button").first.click()
    assert page.locator(".lesson-sidebar").is_visible()
    lesson_url = page.url

    # The header's search box is labelled and works as a plain form.
    box = page.get_by_role("searchbox", name="Tìm trong bài học")
    assert box.count() == 1
    box.fill("5W1H")
    with page.expect_navigation():
        box.press("Enter")
    assert "/learn/search/?q=5W1H" in page.url and page.url != lesson_url
    check_a11y(page, context="lesson search results")

    results = page.locator("ol.search-results > li")
    assert results.count() >= 2
    # Lessons with 5W+1H in their title come first, the notation marked as the lesson writes it.
    first_title = results.first.locator("a").inner_text()
    assert "5W+1H" in first_title
    marks = page.locator("ol.search-results mark").all_inner_texts()
    assert marks and all(re.fullmatch(r"5W\s?\+?\s?1H", m, re.IGNORECASE) for m in marks)
    # Snippets are the lessons' Vietnamese text, not folded letters.
    snippets = " ".join(page.locator(".search-snippet").all_inner_texts())
    assert re.search(r"[ăâđêôơưáàảãạ]", snippets)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-5w1h.png"), full_page=True)

    # Without accents, from the search page's own form: the Vietnamese words are marked.
    page.fill("#course-search-q", "danh gia noi bo")
    with page.expect_navigation():
        page.locator("main form.course-search button").click()
    marked = " ".join(page.locator("ol.search-results mark").all_inner_texts()).lower()
    assert "đánh giá nội bộ" in marked

    # A search with nothing to look for says so.
    page.goto("/learn/search/?q=%25%25%25")
    assert page.get_by_role("alert").is_visible()
    check_a11y(page, context="search without words")
