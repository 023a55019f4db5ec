"""Lesson search: ranking, Vietnamese snippets with marks, notations, odd queries, the header box.

Every test here runs on SQLite (``make test``) and on PostgreSQL (the services suite): the
answers must be the same in both.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from lms.courses.models import LessonPage
from tests.factories.courses import build_course, lessons_of

SEARCH = reverse("courses:search")


def _rewrite(lesson: LessonPage, *, title: str | None = None, text: str = "") -> LessonPage:
    if title is not None:
        lesson.title = title
    lesson.body = [{"type": "text", "value": text}]
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    return lesson


def _titles(response) -> list[str]:
    return [r["title"] for r in response.context["outcome"].results]


@pytest.fixture
def three_lessons(db):
    return lessons_of(build_course(lessons=3, title="Khóa kiểm thử tìm kiếm"))


def test_title_matches_come_first_then_headings_then_the_text(client, learner, three_lessons):
    first, second, third = three_lessons
    # In page order the body-only match comes first; the ranking must turn the order round.
    _rewrite(first, title="Bài mở đầu", text="Đơn vị cần kiểm soát rủi ro trong mọi quy trình.")
    _rewrite(second, title="Bài giữa", text="## Kiểm soát rủi ro\n\nNội dung khác.")
    _rewrite(third, title="Kiểm soát rủi ro và cơ hội", text="Khoản 6.1 của tiêu chuẩn.")
    client.force_login(learner)
    response = client.get(SEARCH, {"q": "kiem soat rui ro"})
    assert _titles(response) == ["Kiểm soát rủi ro và cơ hội", "Bài giữa", "Bài mở đầu"]
    # A word must start a word of the lesson: "oat" is inside "soát", not the start of one.
    assert _titles(client.get(SEARCH, {"q": "oat rui"})) == []
    # Every word must be there: "rủi ro" is, "thảm họa" is not.
    assert _titles(client.get(SEARCH, {"q": "rui ro tham hoa"})) == []


def test_snippet_shows_the_vietnamese_text_with_the_match_marked(client, learner, three_lessons):
    _rewrite(
        three_lessons[0],
        title="Chu trình PDCA",
        text="Mở đầu. " * 40 + "**Đánh giá nội bộ** là một bước kiểm tra định kỳ." + " Hết." * 40,
    )
    client.force_login(learner)
    response = client.get(SEARCH, {"q": "DANH gia nội bo"})
    html = response.content.decode()
    # The other lessons of the course speak of it too (the factory's text): pick this one.
    (result,) = [r for r in response.context["outcome"].results if r["title"] == "Chu trình PDCA"]
    assert "<mark>Đánh giá nội bộ</mark> là một bước kiểm tra" in str(result["snippet_html"])
    assert "<mark>Đánh giá nội bộ</mark>" in html
    # The snippet is an excerpt around the match, in the original spelling, Markdown dropped.
    snippet = str(result["snippet_html"])
    assert snippet.startswith("…") and snippet.endswith("…") and len(snippet) < 400
    assert "danh gia noi bo" not in html and "**" not in snippet


@pytest.mark.parametrize("query", ["5W1H", "5w1h", "5W+1H", "5W 1H", "5 w 1 h"])
def test_5w1h_finds_every_way_of_writing_it(client, learner, three_lessons, query):
    _rewrite(three_lessons[0], title="Phương pháp 5W+1H", text="Lập kế hoạch.")
    _rewrite(three_lessons[1], title="Bài hai", text="Dùng 5W 1H để phân tích.")
    _rewrite(three_lessons[2], title="Bài ba", text="Kế hoạch theo 5w1h.")
    client.force_login(learner)
    response = client.get(SEARCH, {"q": query})
    if query == "5 w 1 h":
        # Four one-letter words, not the notation: none of the lessons has a word "w".
        assert _titles(response) == []
        return
    assert _titles(response) == ["Phương pháp 5W+1H", "Bài hai", "Bài ba"]
    html = response.content.decode()
    assert "Phương pháp <mark>5W+1H</mark>" in html
    assert "Dùng <mark>5W 1H</mark> để" in html
    assert "theo <mark>5w1h</mark>" in html


def test_marks_are_escaped_content(client, learner, three_lessons):
    _rewrite(
        three_lessons[0],
        title="Mẫu <i>nghiêng</i> & ký hiệu",
        text="<script>alert('x')</script> Chữ &lt;b&gt;đậm&lt;/b&gt; trong mẫu nghiêng.",
    )
    client.force_login(learner)
    html = client.get(SEARCH, {"q": "nghieng"}).content.decode()
    assert "<script>alert" not in html and "<i>" not in html
    assert "Mẫu &lt;i&gt;<mark>nghiêng</mark>&lt;/i&gt; &amp; ký hiệu" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    # An entity in the text reads as the character it stands for, escaped once on the page.
    assert "Chữ &lt;b&gt;đậm&lt;/b&gt; trong mẫu <mark>nghiêng</mark>" in html
    # A query with markup is shown back escaped too.
    html = client.get(SEARCH, {"q": "<img src=x onerror=alert(1)> đậm"}).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type one or more words"),
        ("   ", "Type one or more words"),
        ("%%% <> !!", "no letters or digits"),
        ("\x00\x01", "no letters or digits"),
        ("🙂 ☃", "no letters or digits"),
    ],
)
def test_queries_without_words_get_a_clear_message(client, learner, three_lessons, query, message):
    client.force_login(learner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert message in response.context["outcome"].error
    assert response.context["outcome"].results == []
    assert 'role="alert"' in response.content.decode()


def test_long_queries_are_cut_with_a_note(client, learner, three_lessons):
    _rewrite(three_lessons[0], title="Kiểm soát thông tin dạng văn bản", text="Khoản 7.5.")
    client.force_login(learner)
    response = client.get(SEARCH, {"q": "kiem soat " + "x" * 500})
    assert response.status_code == 200
    assert any("200" in note for note in response.context["outcome"].notes)
    many = " ".join(["kiem", "soat", "thong", "tin", "dang", "van", "ban", "khoan", "zzz", "yyy"])
    response = client.get(SEARCH, {"q": many})
    outcome = response.context["outcome"]
    assert any("8" in note for note in outcome.notes)
    # The first eight words are searched; the two unknown words after them are dropped.
    assert [r["title"] for r in outcome.results] == ["Kiểm soát thông tin dạng văn bản"]
    # No search at all: just the form, no message.
    response = client.get(SEARCH)
    assert response.status_code == 200 and response.context["outcome"] is None


def test_search_takes_a_fixed_number_of_queries(client, learner, django_assert_max_num_queries):
    for _ in range(2):
        build_course(lessons=6)
    client.force_login(learner)
    client.get(SEARCH, {"q": "x"})
    with django_assert_max_num_queries(8):
        response = client.get(SEARCH, {"q": "danh gia noi bo"})
    assert len(response.context["outcome"].results) == 12
    with django_assert_max_num_queries(8):
        response = client.get(SEARCH, {"q": "phan"})
    assert len(response.context["outcome"].results) == 12


def test_only_published_lessons_are_found(client, learner, three_lessons):
    lesson = _rewrite(three_lessons[0], title="Bài nháp riêng", text="Nội dung nháp.")
    lesson.unpublish()
    client.force_login(learner)
    assert _titles(client.get(SEARCH, {"q": "bai nhap rieng"})) == []


@pytest.mark.parametrize("name", ["home", "catalogue", "lesson", "search", "account"])
def test_every_page_has_the_search_box_in_its_header(client, learner, three_lessons, name):
    client.force_login(learner)
    url = {
        "home": "/",
        "catalogue": reverse("courses:catalogue"),
        "lesson": three_lessons[0].url,
        "search": SEARCH + "?q=danh+gia",
        "account": reverse("account"),
    }[name]
    html = client.get(url).content.decode()
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    assert f'<form action="{SEARCH}" method="get" class="site-search" role="search"' in header
    assert '<label for="site-search-q" class="visually-hidden">' in header
    assert '<input id="site-search-q" type="search" name="q"' in header


def test_anonymous_visitors_see_the_box_and_are_asked_to_log_in(client, db):
    html = client.get("/").content.decode()
    assert 'id="site-search-q"' in html
    response = client.get(SEARCH, {"q": "pdca"})
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_migration_fills_the_columns_of_stored_lessons(three_lessons):
    import importlib

    from django.apps import apps

    LessonPage.objects.update(search_title="", search_headings="", search_text="")
    migration = importlib.import_module("lms.courses.migrations.0005_lesson_search_columns")
    migration.fill_search_columns(apps, None)
    lesson = LessonPage.objects.get(pk=three_lessons[0].pk)
    assert lesson.search_title == " bai 1 1 "
    assert lesson.search_headings == " phan 1 vi du "
    assert " danh gia noi bo " in lesson.search_text and " mot cua " in lesson.search_text
    # The video's address is not text a reader sees.
    assert "youtube" not in lesson.search_text


def test_closed_courses_stay_out_of_the_results_unless_enrolled(client, learner, make_user, tree):
    from lms.core.models import Role
    from lms.courses.models import Enrolment

    closed = build_course(lessons=1, open_enrolment=False, title="Khóa nội bộ")
    _rewrite(lessons_of(closed)[0], title="Bài kín về hồ sơ mật", text="Nội dung riêng.")
    client.force_login(learner)
    # Neither the title nor a snippet of a course the learner may not read.
    response = client.get(SEARCH, {"q": "ho so mat"})
    assert _titles(response) == []
    assert "hồ sơ mật" not in response.content.decode()
    Enrolment.objects.create(official=learner.official, course=closed)
    assert _titles(client.get(SEARCH, {"q": "ho so mat"})) == ["Bài kín về hồ sơ mật"]
    editor = make_user(role=Role.EDITOR, agency=tree["commune_a1"], username="t_search_editor")
    client.force_login(editor)
    assert _titles(client.get(SEARCH, {"q": "ho so mat"})) == ["Bài kín về hồ sơ mật"]
