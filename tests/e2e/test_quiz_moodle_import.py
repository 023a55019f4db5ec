"""A Moodle XML bank arrives whole and renders right.

A Moodle XML file with an HTML multiple choice (answers and feedback in HTML, an embedded image),
a true/false with feedback for each answer, a numerical question with a tolerance and a matching
question is imported with ``manage.py import_questions``; ``learner`` takes a quiz made of it
(a select per matching item) and the result page shows the HTML rendered (not as markup), the
image loaded from the image library, the feedback of the true/false answer given, the accepted
number with its tolerance and the matching pairs chosen beside the right ones. Screenshots of
the attempt and the result are kept under var/e2e/.
"""

from __future__ import annotations

import base64
import io
import re
import uuid
from pathlib import Path

from PIL import Image, ImageDraw

from .conftest import check_a11y, login, manage
from .test_quizzes import _start_or_continue, _submit_attempt

XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<question type="category"><category><text>$course$/top/E2E-{token}</text></category>
<info format="html"><text><![CDATA[<p>Ngân hàng <b>thử</b></p>]]></text></info></question>
<question type="multichoice"><name><text>Rủi ro {token}</text></name>
<idnumber>e2e-html-{token}</idnumber>
<questiontext format="html"><text><![CDATA[<p>Điều <b>6.1</b> nói về gì?</p>
<p><img src="@@PLUGINFILE@@/so%20do%20rui%20ro.png" alt="Sơ đồ rủi ro và cơ hội"></p>]]></text>
<file name="so do rui ro.png" path="/" encoding="base64">{image}</file>
</questiontext><single>true</single><shuffleanswers>0</shuffleanswers>
<answer fraction="100" format="html"><text><![CDATA[<p>Rủi ro <b>&amp; cơ hội</b></p>]]></text>
<feedback format="html"><text><![CDATA[<p>Đúng, <i>điều 6.1</i>.</p>]]></text></feedback>
</answer>
<answer fraction="0" format="html"><text><![CDATA[<p>Mục tiêu <em>chất lượng</em></p>]]></text>
</answer></question>
<question type="truefalse"><name><text>Kiểm soát {token}</text></name>
<idnumber>e2e-tf-{token}</idnumber>
<questiontext format="plain_text"><text>Thông tin dạng văn bản phải được kiểm soát.</text>
</questiontext>
<answer fraction="100"><text>true</text><feedback><text>Đúng: điều 7.5.</text></feedback>
</answer>
<answer fraction="0"><text>false</text><feedback><text>Chưa đúng: xem điều 7.5.3.</text>
</feedback></answer></question>
<question type="numerical"><name><text>Năm {token}</text></name>
<idnumber>e2e-num-{token}</idnumber>
<questiontext format="plain_text"><text>TCVN ISO 9001 hiện hành ban hành năm nào?</text>
</questiontext>
<answer fraction="100"><text>2015</text><tolerance>0.5</tolerance></answer>
</question>
<question type="matching"><name><text>Ghép {token}</text></name>
<idnumber>e2e-match-{token}</idnumber>
<questiontext format="html"><text><![CDATA[<p>Ghép <b>điều khoản</b> với nội dung.</p>]]></text>
</questiontext><shuffleanswers>true</shuffleanswers>
<subquestion format="html"><text><![CDATA[<p>Điều <b>9.2</b></p>]]></text>
<answer><text>Đánh giá nội bộ</text></answer></subquestion>
<subquestion format="html"><text><![CDATA[<p>Điều <b>9.3</b></p>]]></text>
<answer><text>Xem xét của lãnh đạo</text></answer></subquestion>
<subquestion format="html"><text><![CDATA[<p>Điều <b>10.2</b></p>]]></text>
<answer><text>Sự không phù hợp và hành động khắc phục</text></answer></subquestion>
<subquestion format="html"><text></text><answer><text>Hoạch định</text></answer></subquestion>
</question>
</quiz>
"""


SHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e"


def _diagram() -> str:
    """A small PNG (a PDCA-like diagram) as base64, as Moodle embeds it."""
    image = Image.new("RGB", (240, 120), "white")
    draw = ImageDraw.Draw(image)
    for i, color in enumerate(("#1f6feb", "#2da44e", "#d29922", "#cf222e")):
        draw.rectangle((10 + i * 57, 30, 57 + i * 57, 90), fill=color)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_moodle_xml_bank_imports_whole_and_renders(page, server_env, tmp_path):
    token = uuid.uuid4().hex[:8]
    slug = f"e2e-moodle-{token}"
    source = tmp_path / "bank.xml"
    source.write_text(XML.replace("{token}", token).replace("{image}", _diagram()), "utf-8")
    out = manage(server_env, "import_questions", str(source))
    assert "Imported 4 question(s)" in out and "skipped 0" in out, out
    out = manage(
        server_env,
        "shell",
        "-c",
        "from lms.quizzes.models import Question, Quiz, QuizQuestion\n"
        f"quiz = Quiz.objects.create(slug={slug!r}, title='E2E Moodle {token}', pass_mark=50,"
        " feedback_mode='end', review_when='immediately')\n"
        f"keys = ['e2e-html-{token}', 'e2e-tf-{token}', 'e2e-num-{token}', 'e2e-match-{token}']\n"
        "for i, key in enumerate(keys):\n"
        "    QuizQuestion.objects.create(quiz=quiz, question=Question.objects.get(key=key),"
        " order=i)\n"
        "print('QUIZ', quiz.pk)\n",
    )
    assert re.search(r"^QUIZ \d+", out, re.M), out

    login(page, "learner")
    page.goto(f"/quizzes/{slug}/")
    _start_or_continue(page)
    questions = page.locator("fieldset.quiz-question")
    assert questions.count() == 4
    html_question = questions.nth(0)
    assert html_question.locator(".prose b").inner_text() == "6.1"
    diagram = html_question.locator(".prose img")
    assert diagram.get_attribute("alt") == "Sơ đồ rủi ro và cơ hội"
    assert diagram.get_attribute("src").startswith("/media/original_images/")
    diagram.scroll_into_view_if_needed()
    assert diagram.evaluate("img => img.complete && img.naturalWidth") == 240
    right = html_question.locator("label", has_text="Rủi ro")
    assert right.locator("b").inner_text() == "& cơ hội"  # rendered HTML, one &
    assert "<p>" not in html_question.inner_text()
    right.click()
    questions.nth(1).locator("label", has_text="Sai").click()
    numerical = questions.nth(2).locator("input[type=text]")
    assert numerical.get_attribute("inputmode") == "decimal"
    numerical.fill("2015,3")
    matching = questions.nth(3)
    selects = matching.locator("select")
    assert selects.count() == 3  # one per item; the extra answer is only an option
    options = selects.nth(0).locator("option").all_inner_texts()[1:]
    assert sorted(options) == sorted(
        [
            "Đánh giá nội bộ",
            "Xem xét của lãnh đạo",
            "Sự không phù hợp và hành động khắc phục",
            "Hoạch định",
        ]
    )
    # Each select is named by its item (the accessible name a screen reader reads).
    assert page.get_by_role("combobox", name="Điều 9.2").count() == 1
    page.get_by_role("combobox", name="Điều 9.2").select_option(label="Đánh giá nội bộ")
    page.get_by_role("combobox", name="Điều 9.3").select_option(label="Xem xét của lãnh đạo")
    page.get_by_role("combobox", name="Điều 10.2").select_option(label="Hoạch định")
    check_a11y(page, context="attempt with HTML, image, true/false, numerical and matching")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "quiz-moodle-attempt.png"), full_page=True)
    _submit_attempt(page)

    main = page.locator("main")
    text = main.inner_text()
    assert "<p>" not in text and "&amp;" not in text
    assert main.locator(".quiz-review-choices li.is-picked b").inner_text() == "& cơ hội"
    assert main.locator(".quiz-review-choices i").inner_text() == "điều 6.1"
    assert "Chưa đúng: xem điều 7.5.3." in text and "Đúng: điều 7.5." not in text
    assert "2015,3" in text and "2015 ± 0.5" in text
    diagram = main.locator(".prose img").first
    diagram.scroll_into_view_if_needed()
    assert diagram.evaluate("img => img.complete && img.naturalWidth") == 240
    rows = main.locator(".quiz-matching-review tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).locator("td").all_inner_texts()[0] == "Điều 9.2"
    assert [rows.nth(i).get_attribute("class") for i in range(3)] == [
        "is-correct",
        "is-correct",
        "is-wrong",
    ]
    assert "Hoạch định" in rows.nth(2).inner_text()
    assert "Sự không phù hợp và hành động khắc phục" in rows.nth(2).inner_text()
    # Two of three pairs right: two thirds of the point.
    assert re.search(r"0[,.]67", main.locator(".quiz-verdict").nth(3).inner_text())
    check_a11y(page, context="result of an imported Moodle XML bank")
    page.screenshot(path=str(SHOTS / "quiz-moodle-result.png"), full_page=True)
