"""Markdown and imported HTML reach the page only through the allow-list sanitiser."""

import re

import pytest

from lms.courses.markdown import render_markdown
from lms.quizzes.templatetags.quizzes_tags import rich

PAYLOADS = [
    "[x](javascript&#58;alert(1))",
    "[x](javascript&#x3A;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript&#58;alert(1))",
    '![x](javascript&#x3A;alert(1) "t")',
    "[x][r]\n\n[r]: javascript&#58;alert(1)",
    "![x][r]\n\n[r]: javascript&colon;alert(1)",
]
URL_ATTR = re.compile(r'\b(?:href|src)="([^"]*)"')


@pytest.mark.parametrize("text", PAYLOADS)
def test_markdown_links_lose_script_urls(text):
    html = str(render_markdown(text))
    assert URL_ATTR.findall(html) == [], html


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript&#58;alert(1)">x</a>',
        '<a href="java&#x0A;script:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)">x</p><script>alert(1)</script><style>p{}</style>',
        '<iframe src="https://evil.example/"></iframe><form action="/x"><input></form>',
    ],
)
def test_imported_question_html_is_sanitised(html):
    out = str(rich(html, "html"))
    assert not re.search(r"javascript|onerror|onclick|<script|<style|<iframe|<form|<input", out)


@pytest.mark.parametrize("text_format", ["markdown", "plain"])
def test_every_format_escapes_script(text_format):
    out = str(rich("<script>alert(1)</script>", text_format))
    assert "<script" not in out and "&lt;script&gt;" in out


def test_markdown_keeps_what_lessons_use():
    html = str(
        render_markdown(
            "# T\n\n**b** *i* `c`\n\n> q\n\n- a\n\n1. n\n\n---\n\n"
            "[web](https://iso.example/a) [here](../b) [mail](mailto:a@b.vn) [top](#t)\n\n"
            '![Sơ đồ](/media/i.png "tt")\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n    code\n'
        )
    )
    for part in [
        "<h1>T</h1>",
        "<strong>b</strong>",
        "<em>i</em>",
        "<code>c</code>",
        "<blockquote>",
        "<ul>",
        "<ol>",
        "<hr>",
        '<a href="https://iso.example/a" rel="noopener">web</a>',
        '<a href="../b"',
        '<a href="mailto:a@b.vn"',
        '<a href="#t"',
        '<img alt="Sơ đồ" src="/media/i.png" title="tt">',
        '<table class="table">',
        '<th align="right">b</th>',
        "<pre><code>code",
    ]:
        assert part in html, part
    assert "style=" not in html
