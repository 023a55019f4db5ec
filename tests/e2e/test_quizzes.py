"""The quiz engine as the demo users meet it (issue: quiz engine).

1. ``learner`` reaches module quiz nt-m01 (feedback "each", pass mark 70 %) from the course page,
   fails it, reads the result with its explanations, retries (attempts are unlimited), checks one
   answer on the spot, passes and sees the pass text and the explanations; ``trainer`` opens the
   item analysis.
2. A final quiz (feedback "end") does not put explanations or right answers in the attempt page.
3. An essay question imported from a GIFT file with ``manage.py import_questions`` is answered by
   ``learner``, waits for marking, is marked with a comment by ``trainer`` in the marking queue,
   and ``learner`` then sees the score and the comment.

Each run uses its own attempts (unlimited module quiz, a quiz slug per run for the essay), so the
tests also pass against a database that earlier runs have used.
"""

from __future__ import annotations

import html
import re
import unicodedata
import uuid
from decimal import Decimal

import pytest
import yaml

from .conftest import ARTIFACTS, ROOT, check_a11y, login, manage, manage_shell, submit

COURSE_TITLE = "Nhận thức về HTQLCL"
MODULE_QUIZ = "nt-m01"
CONTENT = ROOT / "content" / "quizzes"
# Final quizzes (feedback "end", 3 attempts each): the first that can still be started is used.
FINAL_QUIZZES = ("nt-cuoi-khoa", "dgnb-cuoi-khoa", "dt-cuoi-khoa")


def _norm(text: str) -> str:
    """Letters and digits only, case-folded: compares texts whatever markdown/HTML did to them."""
    text = unicodedata.normalize("NFC", html.unescape(text or "")).casefold()
    return re.sub(r"[\W_]+", "", text)


def _bank() -> list[dict]:
    """Every question of the shipped quiz files (content/quizzes/*.yaml)."""
    questions = []
    for path in sorted(CONTENT.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        questions.extend(data.get("questions") or [])
    return questions


def _quiz_file(slug: str) -> dict:
    return yaml.safe_load((CONTENT / f"{slug}.yaml").read_text(encoding="utf-8"))


class Problems:
    """Collects axe-core failures and shown-markup problems and reports them all at the end of
    the journey, so that one page's problem does not hide the rest of the journey's checks."""

    def __init__(self):
        self.found: list[str] = []

    def a11y(self, page, *, context: str) -> None:
        try:
            check_a11y(page, context=context)
        except pytest.fail.Exception as failure:
            self.found.append(str(failure))

    def no_markup_shown(self, page, *, context: str) -> None:
        """Texts are rendered, not shown as escaped HTML ("<p>…</p>" on screen)."""
        text = page.locator("main").inner_text()
        shown = re.findall(r"</?(?:p|br|strong|em|ul|li)\b[^>]*>", text)
        if shown:
            self.found.append(f"{context}: HTML tags shown as text on screen: {shown[:4]}")

    def assert_none(self) -> None:
        assert not self.found, "\n\n".join(self.found)


def _visible_text(locator) -> str:
    """A text as shown, without tags that a rendering bug printed literally (checked apart)."""
    return re.sub(r"</?p>", "", locator.inner_text())


def _start_or_continue(page) -> None:
    """On a quiz page: continue the open attempt, or start one; land on the attempt page."""
    cont = page.locator("main a.button[href*='/sittings/']")
    if cont.count():
        with page.expect_navigation():
            cont.first.click()
    else:
        submit(page, "main form[action$='/start/'] button[type=submit]")
    assert re.search(r"/quizzes/sittings/\d+/$", page.url), page.url


def _submit_attempt(page) -> None:
    """Submit; questions left blank make the page ask first, and the learner confirms."""
    page.once("dialog", lambda dialog: dialog.accept())
    submit(page, "#submit-attempt")
    assert re.search(r"/quizzes/sittings/\d+/result/$", page.url), page.url


def _finish_lessons(server_env, slug: str, username: str = "learner") -> None:
    """Mark every lesson done of the courses whose final quiz is ``slug`` (it opens after them)."""
    manage_shell(
        server_env,
        "from lms.courses.models import CoursePage, LessonPage; "
        "from lms.courses.services import enrolment_create, lesson_mark_done; "
        "from lms.agencies.models import Official; "
        f"o = Official.objects.get(user__username={username!r}); "
        f"cs = list(CoursePage.objects.live().filter(final_quiz__slug={slug!r})); "
        "[enrolment_create(official=o, course=c, source='assigned') for c in cs]; "
        "[lesson_mark_done(official=o, lesson=l) for c in cs "
        "for l in LessonPage.objects.live().descendant_of(c)]; print(len(cs))",
    )


def _wait_for_autosave(page, change) -> None:
    """Make a change that htmx autosaves, and wait for the server's answer."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and re.search(r"/quizzes/sittings/\d+/$", r.url)
    ) as saved:
        change()
    assert saved.value.status == 200, saved.value.status
    page.locator("#save-status").filter(has_text=re.compile(r"\d+:\d+")).wait_for()


def _answer_key(page) -> dict[str, tuple[str, set[str]]]:
    """From a result page: question text -> ("choices", right choice texts) or ("tf", label)."""
    key = {}
    for article in page.locator("article.quiz-question").all():
        question = _norm(_visible_text(article.locator(".prose").first))
        right = article.locator(".quiz-review-choices li.is-correct > span:nth-child(2)")
        if right.count():
            key[question] = ("choices", {_norm(_visible_text(r)) for r in right.all()})
        else:
            # True/false: "Your answer: <strong>…</strong>. Right answer: <strong>…</strong>."
            review = article.locator(":scope > p:has(strong)").first
            strongs = review.locator("strong").all_inner_texts()
            assert len(strongs) == 2, f"no right answer shown for {question[:40]}"
            key[question] = ("tf", {_norm(strongs[1])})
    return key


def test_module_quiz_fail_explanations_retry_and_pass(page, context):
    problems = Problems()
    bank = {_norm(q["text"]): q for q in _quiz_file(MODULE_QUIZ)["questions"]}
    quiz_data = _quiz_file(MODULE_QUIZ)
    assert quiz_data["feedback"] == "each" and quiz_data["pass_mark"] == 70

    login(page, "learner")
    # Reached from the course page: the outline links each module's quiz.
    page.goto("/learn/catalogue/")
    page.get_by_role("link", name=re.compile(COURSE_TITLE)).first.click()
    page.wait_for_load_state()
    module_quiz = page.locator(f".course-outline a[href$='/quizzes/{MODULE_QUIZ}/']")
    assert module_quiz.count() == 1, "the course outline does not link the module 1 quiz"
    with page.expect_navigation():
        module_quiz.click()
    assert page.url.endswith(f"/quizzes/{MODULE_QUIZ}/")
    assert quiz_data["title"] in page.locator("h1").inner_text()
    problems.a11y(page, context="quiz detail")

    # --- attempt 1: one answer, the rest left blank -> not passed ---------------------------
    _start_or_continue(page)
    problems.a11y(page, context="attempt page")
    problems.no_markup_shown(page, context="attempt page")
    fieldsets = page.locator("fieldset.quiz-question")
    assert fieldsets.count() == len(bank) == 11
    body = _norm(page.evaluate("document.documentElement.textContent"))
    for q in bank.values():
        assert _norm(q["text"])[:80] in body, "a question of nt-m01 is missing"
        assert _norm(q["explanation"])[:60] not in body, "explanation shown before answering"
    # Feedback "each": a "check this answer" button per question.
    assert page.locator("button[name=check]").count() == 11
    # One choice (of a choice question: true/false inputs have ids t<n>/f<n>), the rest blank.
    first_input = page.locator("fieldset.quiz-question .quiz-choices input[id^=c]").first
    _wait_for_autosave(page, first_input.check)
    _submit_attempt(page)
    failed_url = page.url
    summary = page.locator(".quiz-summary")
    assert summary.locator(".badge-danger").count() == 1, summary.inner_text()
    assert quiz_data["fail_text"] in summary.inner_text()
    assert page.locator(".quiz-summary .message-success").count() == 0
    articles = page.locator("article.quiz-question")
    assert articles.count() == 11
    # Every question comes back with its explanation, the learner's choice and the right answer.
    assert page.locator(".quiz-explanation").count() == 11
    result_text = _norm(page.locator("main").inner_text())
    for q in bank.values():
        assert _norm(q["explanation"])[:60] in result_text, "an explanation is missing"
    assert page.locator(".quiz-review-choices li.is-picked").count() == 1
    problems.a11y(page, context="result page (not passed)")
    problems.no_markup_shown(page, context="result page (not passed)")
    key = _answer_key(page)
    assert len(key) == 11
    # The key read from the page agrees with the quiz file.
    for text, (kind, right) in key.items():
        source = bank[text]
        if kind == "choices":
            assert right == {_norm(c["text"]) for c in source["choices"] if c.get("correct")}
        else:
            assert source["kind"] == "truefalse"

    # --- attempt 2: unlimited attempts, answer with the key, check one answer, pass ---------
    page.locator("main a[href$='/quizzes/nt-m01/']").first.click()
    page.wait_for_load_state()
    assert page.locator("main form[action$='/start/']").count() == 1, "no new attempt offered"
    _start_or_continue(page)
    assert page.url != failed_url
    fieldsets = page.locator("fieldset.quiz-question")
    assert fieldsets.count() == 11
    assert page.locator(".quiz-review-choices, .quiz-explanation").count() == 0
    inputs = []
    for fieldset in fieldsets.all():
        kind, right = key[_norm(_visible_text(fieldset.locator(".prose").first))]
        for item in fieldset.locator(".quiz-choices li").all():
            if _norm(_visible_text(item.locator("label"))) in right:
                inputs.append(item.locator("input"))
    assert len(inputs) == sum(len(right) for _kind, right in key.values())
    for field in inputs[:-1]:
        field.check()
    _wait_for_autosave(page, inputs[-1].check)

    # Feedback "each": check the first question; it is marked right, locked and explained.
    first = fieldsets.first
    first_id = first.get_attribute("id")
    submit(page, f"#{first_id} button[name=check]")
    checked = page.locator(f"#{first_id}")
    assert checked.locator(".quiz-verdict .badge-ok").count() == 1, checked.inner_text()
    assert checked.locator(".quiz-explanation").count() == 1
    assert checked.locator("input").count() == 0, "a checked answer can still be changed"
    # The other answers were kept (saved with the check).
    assert page.locator(".quiz-choices input:checked").count() == len(inputs) - len(
        key[_norm(_visible_text(checked.locator(".prose").first))][1]
    )
    _submit_attempt(page)
    summary = page.locator(".quiz-summary")
    assert summary.locator(".badge-ok").count() == 1, summary.inner_text()
    assert quiz_data["success_text"] in summary.locator(".message-success").inner_text()
    assert "100" in summary.inner_text()
    assert page.locator(".quiz-explanation").count() == 11
    assert page.locator(".quiz-verdict .badge-ok").count() == 11
    problems.a11y(page, context="result page (passed)")
    problems.no_markup_shown(page, context="result page (passed)")
    # The breakdown tables by category and by clause: side by side at this width, each whole in
    # its own half (the Score column was once covered by the table beside it).
    tables = [t.bounding_box() for t in page.locator("main .grid table").all()]
    assert len(tables) == 2, tables
    assert tables[0]["x"] + tables[0]["width"] <= tables[1]["x"], tables
    assert abs(tables[0]["y"] - tables[1]["y"]) < 2, tables
    overflow = page.evaluate(
        "() => [...document.querySelectorAll('main .grid .table-wrap')]"
        ".map(w => w.scrollWidth - w.clientWidth)"
    )
    assert overflow == [0, 0], overflow

    # The quiz page counts the best attempt and lists both.
    page.goto(f"/quizzes/{MODULE_QUIZ}/")
    facts = page.locator(".card .facts").inner_text()
    assert "100" in facts
    assert page.locator("main table tbody tr").count() >= 2
    page.goto("/quizzes/my-results/")
    problems.a11y(page, context="my results")
    row = page.locator("main table tbody tr", has_text=quiz_data["title"]).first
    assert row.locator(".badge-ok").count() == 1

    # Item analysis: the trainer sees every question of the quiz with its statistics.
    context.clear_cookies()
    login(page, "trainer")
    page.goto(f"/quizzes/{MODULE_QUIZ}/analysis/")
    assert page.locator("h1").count() == 1
    assert page.locator("section[aria-labelledby=by-question] article").count() == 11
    problems.a11y(page, context="item analysis")
    problems.assert_none()


def test_final_quiz_page_hides_answers_and_explanations(page, server_env):
    problems = Problems()
    bank = _bank()
    explanations = {_norm(q["explanation"])[:60] for q in bank if q.get("explanation")}
    texts = {_norm(q["text"])[:80] for q in bank}
    assert len(explanations) > 100

    login(page, "learner")
    for slug in FINAL_QUIZZES:
        data = _quiz_file(slug)
        assert data["feedback"] == "end"
        _finish_lessons(server_env, slug)
        page.goto(f"/quizzes/{slug}/")
        if page.locator("main a.button[href*='/sittings/'], main form[action$='/start/']").count():
            break
    else:
        raise AssertionError("every final quiz has used all its attempts for 'learner'")
    _start_or_continue(page)
    problems.a11y(page, context=f"attempt page of {slug}")
    problems.no_markup_shown(page, context=f"attempt page of {slug}")
    questions = page.locator("fieldset.quiz-question")
    expected = len(data.get("questions") or []) + sum(d["count"] for d in data.get("draw") or [])
    assert questions.count() == expected
    source = page.content()
    text = page.evaluate("document.documentElement.textContent")
    shown = _norm(source) + _norm(text)
    # Control: the drawn questions are found in the page with the same comparison.
    assert sum(1 for t in texts if t in shown) >= questions.count()
    leaked = [e for e in explanations if e in shown]
    assert not leaked, f"explanations in the attempt page before submission: {leaked[:3]}"
    assert "is-correct" not in source and "fraction" not in source
    assert page.locator("button[name=check], .quiz-explanation, .quiz-verdict").count() == 0
    problems.assert_none()


GIFT = """\
// E2E essay, imported by tests/e2e/test_quizzes.py
$CATEGORY: E2E/Tự luận

// [id:e2e-essay-01] [tag:clause:8.7]
::E2E tự luận::Bộ phận một cửa phát hiện một hồ sơ trả sai kết quả cho người dân. \
Hãy nêu cách kiểm soát đầu ra không phù hợp theo điều 8.7. {\
####Câu trả lời tốt nêu đủ nhận biết, cách ly hồ sơ sai, thông báo người dân, khắc phục \
và lưu hồ sơ theo điều 8.7.}
"""


def test_essay_is_marked_by_the_trainer_and_the_learner_sees_the_comment(
    browser, live_url, server_env, tmp_path
):
    problems = Problems()
    token = uuid.uuid4().hex[:8]
    slug, title = f"e2e-tu-luan-{token}", f"E2E tự luận {token}"
    gift = tmp_path / "essay.gift"
    gift.write_text(GIFT, encoding="utf-8")
    out = manage(server_env, "import_questions", str(gift))
    assert "Imported 1 question" in out, out
    # import_questions fills the bank only; the quiz that uses the question is made here.
    out = manage(
        server_env,
        "shell",
        "-c",
        "from lms.quizzes.models import Question, Quiz, QuizQuestion\n"
        "q = Question.objects.get(key='e2e-essay-01')\n"
        "assert q.kind == 'essay', q.kind\n"
        f"quiz = Quiz.objects.create(slug={slug!r}, title={title!r}, pass_mark=50,"
        " attempts_allowed=0, feedback_mode='end', review_when='immediately')\n"
        "QuizQuestion.objects.create(quiz=quiz, question=q)\n"
        "print('QUIZ', quiz.pk, q.points)\n",
    )
    assert re.search(r"^QUIZ \d+ ", out, re.M), out

    def new_page(username):
        ctx = browser.new_context(base_url=live_url, locale="vi-VN")
        ctx.set_default_timeout(15_000)
        pg = ctx.new_page()
        login(pg, username)
        return ctx, pg

    answer = f"Cách ly hồ sơ sai, báo người dân, sửa và lưu hồ sơ (mã {token})."
    comment = f"Đủ các bước; cần nêu rõ người có thẩm quyền quyết định (mã {token})."
    contexts = []
    try:
        # learner answers and submits: the attempt waits for marking.
        ctx, learner = new_page("learner")
        contexts.append(ctx)
        learner.goto(f"/quizzes/{slug}/")
        _start_or_continue(learner)
        area = learner.locator("fieldset.quiz-question textarea")
        assert area.count() == 1
        assert learner.locator("button[name=check]").count() == 0
        area.fill(answer)
        _submit_attempt(learner)
        result_url = learner.url
        summary = learner.locator(".quiz-summary")
        assert summary.locator(".badge-warn").count() == 1, summary.inner_text()
        assert summary.locator(".message-warning").count() == 1
        assert learner.locator(".quiz-verdict .badge-warn").count() == 1
        assert token in learner.locator(".quiz-essay-answer").inner_text()
        problems.a11y(learner, context="result page (waiting for marking)")
        problems.no_markup_shown(learner, context="result page (waiting for marking)")

        # trainer marks it from the marking queue.
        ctx, trainer = new_page("trainer")
        contexts.append(ctx)
        trainer.goto("/quizzes/marking/")
        problems.a11y(trainer, context="marking queue")
        row = trainer.locator("main table tbody tr", has_text=title)
        assert row.count() == 1, trainer.locator("main").inner_text()
        with trainer.expect_navigation():
            row.locator("a").click()
        assert re.search(r"/quizzes/responses/\d+/mark/$", trainer.url)
        assert token in trainer.locator(".quiz-essay-answer").inner_text()
        problems.a11y(trainer, context="mark form")
        problems.no_markup_shown(trainer, context="mark form")
        score_field = trainer.locator("input[name=score]")
        points = Decimal(score_field.get_attribute("max"))
        score = (points * Decimal("0.8")).quantize(Decimal("0.01"))
        score_field.fill(f"{score:f}")
        trainer.fill("textarea[name=comment]", comment)
        submit(trainer, "main form.card button[type=submit]")
        assert trainer.url.endswith("/quizzes/marking/")
        assert trainer.locator("main table tbody tr", has_text=title).count() == 0
        assert trainer.locator(".message, [role=status], [role=alert]").count() >= 1

        # learner sees the score and the comment.
        learner.goto("/quizzes/my-results/")
        problems.a11y(learner, context="my results")
        row = learner.locator("main table tbody tr", has_text=title)
        assert row.count() == 1
        assert row.locator(".badge-ok").count() == 1, row.inner_text()
        assert "80" in row.inner_text()
        with learner.expect_navigation():
            row.locator("a[href*='/result/']").click()
        assert learner.url == result_url
        summary = learner.locator(".quiz-summary")
        assert summary.locator(".badge-ok").count() == 1, summary.inner_text()
        assert "80" in summary.inner_text()
        assert comment in learner.locator(".quiz-question .message").inner_text()
        assert learner.locator(".quiz-explanation").count() == 1
        problems.a11y(learner, context="result page (marked essay)")
        problems.no_markup_shown(learner, context="result page (marked essay)")
        problems.assert_none()
    finally:
        for ctx in contexts:
            ctx.close()


def test_submit_asks_to_confirm_unanswered_questions_with_and_without_javascript(
    page, browser, live_url
):
    """Issue 12: "Save" and "Submit" look different; submitting with questions left blank asks
    first and says how many (the browser's dialog, or the server's page without JavaScript)."""
    login(page, "learner")
    page.goto(f"/quizzes/{MODULE_QUIZ}/")
    _start_or_continue(page)
    attempt_url = page.url
    save = page.locator(".quiz-actions button[name=save]")
    send = page.locator("#submit-attempt")
    colours = [b.evaluate("e => getComputedStyle(e).backgroundColor") for b in (save, send)]
    assert colours[0] != colours[1], colours
    blank = page.evaluate(
        """() => [...document.querySelectorAll('fieldset.quiz-question')]
        .filter(f => f.querySelector('input[name=present]'))
        .filter(f => !f.querySelector('input:checked') && ![...f.querySelectorAll(
            'input[type=text], textarea')].some(t => t.value.trim()))
        .length"""
    )
    assert blank > 0
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    send.click()
    page.wait_for_timeout(300)
    assert asked == [f"Còn {blank} câu hỏi chưa trả lời. Vẫn nộp bài?"], asked
    assert page.url == attempt_url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quiz-attempt-actions.png"), full_page=False)

    context = browser.new_context(base_url=live_url, java_script_enabled=False, locale="vi-VN")
    try:
        plain = context.new_page()
        login(plain, "learner")
        plain.goto(attempt_url)
        submit(plain, "#submit-attempt")
        assert plain.url.endswith("/submit/"), plain.url
        assert plain.locator("h1").inner_text().strip() == "Nộp bài?"
        assert f"Còn {blank} câu hỏi chưa trả lời." in plain.locator("main").inner_text()
        plain.screenshot(path=str(ARTIFACTS / "quiz-submit-confirm.png"), full_page=True)
        with plain.expect_navigation():
            plain.get_by_role("link", name="Quay lại các câu hỏi").click()
        assert plain.url == attempt_url  # the attempt is still open
    finally:
        context.close()
    # The same confirmation page, checked with axe (which needs JavaScript): a plain form
    # submission (form.submit() fires no submit event, so the page's script does not ask).
    with page.expect_navigation():
        page.evaluate(
            """() => { const f = document.getElementById('sitting-form');
            f.action = document.getElementById('submit-attempt').formAction; f.submit(); }"""
        )
    assert page.locator("h1").inner_text().strip() == "Nộp bài?"
    check_a11y(page, context="submit confirmation")


def test_countdown_stays_in_view_while_scrolling(page, server_env):
    login(page, "learner")
    for slug in FINAL_QUIZZES:
        _finish_lessons(server_env, slug)
        page.goto(f"/quizzes/{slug}/")
        if page.locator("main a.button[href*='/sittings/'], main form[action$='/start/']").count():
            break
    else:
        raise AssertionError("every final quiz has used all its attempts for 'learner'")
    _start_or_continue(page)
    page.set_viewport_size({"width": 1024, "height": 700})
    page.locator("#submit-attempt").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 500
    box = page.locator(".quiz-deadline").bounding_box()
    assert box is not None and 0 <= box["y"] < 5, box
    assert re.fullmatch(r"\d+:\d\d", page.locator("#time-left").inner_text().strip())
    check_a11y(page, context="timed attempt, scrolled")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quiz-countdown-sticky.png"))
