"""A Moodle XML bank arrives whole and renders right (issue 14).

A Moodle XML file with an HTML multiple choice (answers and feedback in HTML), a true/false with
feedback for each answer and a numerical question with a tolerance is imported with
``manage.py import_questions``; ``learner`` takes a quiz made of it and the result page shows
the HTML rendered (not as markup), the feedback of the true/false answer given and the accepted
number with its tolerance. A screenshot of the result is kept in the test's folder.
"""

from __future__ import annotations

import re
import uuid

from .conftest import check_a11y, login, manage
from .test_quizzes import _start_or_continue, _submit_attempt

XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<question type="category"><category><text>$course$/top/E2E-{token}</text></category>
<info format="html"><text><![CDATA[<p>Ngân hàng <b>thử</b></p>]]></text></info></question>
<question type="multichoice"><name><text>Rủi ro {token}</text></name>
<idnumber>e2e-html-{token}</idnumber>
<questiontext format="html"><text><![CDATA[<p>Điều <b>6.1</b> nói về gì?</p>]]></text>
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
</quiz>
"""


def test_moodle_xml_bank_imports_whole_and_renders(page, server_env, tmp_path):
    token = uuid.uuid4().hex[:8]
    slug = f"e2e-moodle-{token}"
    source = tmp_path / "bank.xml"
    source.write_text(XML.replace("{token}", token), encoding="utf-8")
    out = manage(server_env, "import_questions", str(source))
    assert "Imported 3 question(s)" in out and "skipped 0" in out, out
    out = manage(
        server_env,
        "shell",
        "-c",
        "from lms.quizzes.models import Question, Quiz, QuizQuestion\n"
        f"quiz = Quiz.objects.create(slug={slug!r}, title='E2E Moodle {token}', pass_mark=50,"
        " feedback_mode='end', review_when='immediately')\n"
        f"for i, key in enumerate(['e2e-html-{token}', 'e2e-tf-{token}', 'e2e-num-{token}']):\n"
        "    QuizQuestion.objects.create(quiz=quiz, question=Question.objects.get(key=key),"
        " order=i)\n"
        "print('QUIZ', quiz.pk)\n",
    )
    assert re.search(r"^QUIZ \d+", out, re.M), out

    login(page, "learner")
    page.goto(f"/quizzes/{slug}/")
    _start_or_continue(page)
    questions = page.locator("fieldset.quiz-question")
    assert questions.count() == 3
    html_question = questions.nth(0)
    assert html_question.locator(".prose b").inner_text() == "6.1"
    right = html_question.locator("label", has_text="Rủi ro")
    assert right.locator("b").inner_text() == "& cơ hội"  # rendered HTML, one &
    assert "<p>" not in html_question.inner_text()
    right.click()
    questions.nth(1).locator("label", has_text="Sai").click()
    numerical = questions.nth(2).locator("input[type=text]")
    assert numerical.get_attribute("inputmode") == "decimal"
    numerical.fill("2015,3")
    check_a11y(page, context="attempt with HTML, true/false and numerical questions")
    _submit_attempt(page)

    main = page.locator("main")
    text = main.inner_text()
    assert "<p>" not in text and "&amp;" not in text
    assert main.locator(".quiz-review-choices li.is-picked b").inner_text() == "& cơ hội"
    assert main.locator(".quiz-review-choices i").inner_text() == "điều 6.1"
    assert "Chưa đúng: xem điều 7.5.3." in text and "Đúng: điều 7.5." not in text
    assert "2015,3" in text and "2015 ± 0.5" in text
    check_a11y(page, context="result of an imported Moodle XML bank")
    page.screenshot(path=str(tmp_path / "moodle-result.png"), full_page=True)
    page.screenshot(path="/tmp/quiz-e2e-moodle-result.png", full_page=True)
