import datetime
import io

import pytest
from django.urls import reverse

from lms.quizzes import services
from lms.quizzes.demo import DEMO_QUIZ, load_demo
from lms.quizzes.formats.base import FormatError
from lms.quizzes.formats.yaml_format import parse_questions, parse_quiz_file
from lms.quizzes.models import Sitting, SittingState
from lms.quizzes.selectors import marking_queue
from lms.quizzes.signals import sitting_finished
from tests.factories.quizzes import make_question, make_quiz


def test_signal_is_sent_when_the_last_essay_is_marked(learner, trainer):
    quiz = make_quiz(0)
    essay = make_question("essay", quiz=quiz)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    received = []

    def on_finish(sender, sitting, **kwargs):
        received.append((sitting.pk, sitting.state))

    sitting_finished.connect(on_finish)
    try:
        services.sitting_submit(sitting=sitting)
        assert received == []
        services.response_mark(
            response=sitting.responses.get(question=essay), user=trainer, score=1
        )
    finally:
        sitting_finished.disconnect(on_finish)
    assert received == [(sitting.pk, SittingState.FINISHED)]


def test_question_file_with_category_and_questions(tmp_path):
    path = tmp_path / "bank.yaml"
    path.write_text(
        "category: BANK/02\nquestions:\n  - id: x1\n    kind: essay\n"
        "    text: Viết\n    explanation: Ý chính\n",
        encoding="utf-8",
    )
    [question] = parse_questions(path)
    assert (question.key, question.category, question.kind, question.line) == (
        "x1",
        "BANK/02",
        "essay",
        3,
    )


@pytest.mark.parametrize("slug", ["marking", "my-results"])
def test_reserved_slugs_are_refused(tmp_path, slug):
    path = tmp_path / f"{slug}.yaml"
    path.write_text(
        f"slug: {slug}\ntitle: T\npass_mark: 50\ndraw: [{{category: A, count: 1}}]\n",
        encoding="utf-8",
    )
    with pytest.raises(FormatError, match="not allowed") as exc:
        parse_quiz_file(path)
    assert exc.value.line == 1


def test_detail_page_closes_an_expired_attempt(client, learner):
    quiz = make_quiz(1, time_limit_minutes=1)
    start = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)
    sitting = services.sitting_start(quiz=quiz, user=learner, now=start)
    client.force_login(learner)
    page = client.get(reverse("quizzes:quiz_detail", args=[quiz.slug]))
    assert page.context["open_sitting"] is None
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED and sitting.submitted_at == sitting.deadline


def test_demo_is_idempotent_and_fills_the_trainers_queue(make_user, tree):
    from lms.core.models import Role

    make_user(role=Role.LEARNER, agency=tree["commune_a1"], username="learner")
    trainer = make_user(role=Role.TRAINER, agency=tree["province_a"], username="trainer")
    out = io.StringIO()
    load_demo(out)
    load_demo(out)
    assert Sitting.objects.filter(quiz__slug=DEMO_QUIZ).count() == 1
    assert [r.sitting.quiz.slug for r in marking_queue(trainer)] == [DEMO_QUIZ]


def test_sweep_closes_expired_sittings_only(learner, make_user, tree):
    from lms.quizzes.tasks import close_expired_sittings

    timed = make_quiz(1, time_limit_minutes=1)
    untimed = make_quiz(1)
    start = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)
    expired = services.sitting_start(quiz=timed, user=learner, now=start)
    open_one = services.sitting_start(quiz=untimed, user=learner, now=start)
    assert close_expired_sittings() == 1
    assert close_expired_sittings() == 0
    expired.refresh_from_db()
    open_one.refresh_from_db()
    assert expired.state == SittingState.FINISHED and expired.submitted_at == expired.deadline
    assert open_one.state == SittingState.IN_PROGRESS


def test_autosave_after_time_up_sends_htmx_to_the_result(client, learner):
    quiz = make_quiz(1, time_limit_minutes=1)
    start = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)
    sitting = services.sitting_start(quiz=quiz, user=learner, now=start)
    client.force_login(learner)
    reply = client.post(reverse("quizzes:sitting", args=[sitting.pk]), {}, HTTP_HX_REQUEST="true")
    assert reply.status_code == 204
    assert reply["HX-Redirect"] == reverse("quizzes:sitting_result", args=[sitting.pk])


def test_plain_text_is_escaped_once_and_keeps_its_paragraphs():
    from lms.quizzes.templatetags.quizzes_tags import rich

    html = str(rich("Hồ sơ <b>một cửa</b>\n\nĐoạn hai", "plain"))
    assert html == "<p>Hồ sơ &lt;b&gt;một cửa&lt;/b&gt;</p>\n\n<p>Đoạn hai</p>"
    from django.template import Context, Template

    template = Template('{% load quizzes_tags %}{{ t|rich:"plain" }}')
    rendered = template.render(Context({"t": "Câu hỏi"}))
    assert rendered == "<p>Câu hỏi</p>"
