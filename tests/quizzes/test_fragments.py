"""The attempt page's question forms are rendered once and filled in per learner
(lms/quizzes/fragments.py): a filled form is the form rendered with the learner's values."""

import random
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from lms.quizzes import fragments, services
from lms.quizzes.models import Choice
from tests.factories.quizzes import QuizFactory, make_question


def _quiz(**kwargs):
    quiz = QuizFactory(random_order=True, **kwargs)
    make_question("single", quiz=quiz, order=0, text="Chọn **một** <b>x</b> & y")
    make_question(
        "multiple", quiz=quiz, order=1, choices=[("A <i>", 0.5), ("B\nline", 0.5), ("C", -0.5)]
    )
    make_question("truefalse", quiz=quiz, order=2, correct=True)
    make_question("short", quiz=quiz, order=3, answers=["PDCA"])
    numerical = make_question("numerical", quiz=quiz, order=4)
    Choice.objects.create(question=numerical, text="2015", fraction=1, tolerance=Decimal(0))
    matching = make_question("matching", quiz=quiz, order=5, text_format="html", text="<p>Ghép</p>")
    for i, (text, match) in enumerate([("Plan", "Lập kế hoạch"), ("Do", "Thực hiện"), ("", "Sai")]):
        Choice.objects.create(
            question=matching, text=text, match=match, fraction=1 if text else 0, order=i
        )
    make_question("essay", quiz=quiz, order=6)
    return quiz


def _answer_all(sitting):
    answers = {}
    for r in sitting.responses.all():
        kind = r.shown["kind"]
        if kind == "single":
            answers[r.pk] = [str(r.choice_order[1])]
        elif kind == "multiple":
            answers[r.pk] = [str(c) for c in r.choice_order[:2]]
        elif kind == "truefalse":
            answers[r.pk] = ["false"]
        elif kind == "short":
            answers[r.pk] = ['P"D<C>A & \ue002 x']  # a slot character typed by the learner
        elif kind == "numerical":
            answers[r.pk] = ["2015,0"]
        elif kind == "matching":
            answers[r.pk] = [f"{r.choice_order[0]}:1", f"{r.choice_order[1]}:0"]
        else:
            answers[r.pk] = ["Bài <luận>\n& dòng 2"]
    services.response_save(sitting=sitting, answers=answers)


def _direct(r, feedback_each):
    """The form rendered with the learner's values themselves."""
    shown = fragments.decode_shown(r)
    values = fragments._Values(
        r, r.chosen_ids, fragments._pairs(r.text_answer), shown.get("options", [])
    )
    return fragments._render(fragments._context(shown, r.choice_order, values), feedback_each)


@pytest.mark.parametrize("feedback", ["end", "each"])
@pytest.mark.parametrize("answered", [False, True])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_filled_form_is_the_form_rendered_with_the_values(
    learner, official, feedback, answered, language
):
    sitting = services.sitting_start(
        quiz=_quiz(feedback_mode=feedback), user=learner, rng=random.Random(3)
    )
    if answered:
        _answer_all(sitting)
    each = feedback == "each"
    with translation.override(language):
        for _ in range(2):  # rendered, then kept
            responses = fragments.attempt_responses(sitting)
            fragments.attempt_forms(responses, feedback_each=each)
            for r in responses:
                assert r.form == _direct(r, each)
    forms = "".join(r.form for r in responses)
    assert forms.count(" checked>") + forms.count(" selected>") == (6 if answered else 0)
    assert ("P&quot;D&lt;C&gt;A &amp; \ue002 x" in forms) is answered


def test_the_second_page_renders_no_question_template(client, learner, official):
    quiz = _quiz()
    client.force_login(learner)
    first = services.sitting_start(quiz=quiz, user=learner, rng=random.Random(1))
    client.get(reverse("quizzes:sitting", args=[first.pk]))
    services.sitting_submit(sitting=first)
    second = services.sitting_start(quiz=quiz, user=learner, rng=random.Random(1))
    with mock.patch.object(fragments, "_render", wraps=fragments._render) as render:
        page = client.get(reverse("quizzes:sitting", args=[second.pk]))
    assert render.call_count == 0
    html = page.content.decode()
    for r in second.responses.all():
        assert f'name="present" value="{r.pk}"' in html
    for r in first.responses.all():
        assert f'name="present" value="{r.pk}"' not in html and f'id="r{r.pk}"' not in html


def test_a_question_holding_a_slot_character_is_rendered_as_it_is(client, learner, official):
    quiz = QuizFactory()
    make_question("single", quiz=quiz, text="Ký tự \ue000 lạ", choices=[("\ue001 A", 1), ("B", 0)])
    sitting = services.sitting_start(quiz=quiz, user=learner)
    client.force_login(learner)
    with mock.patch.object(fragments, "_render", wraps=fragments._render) as render:
        for _ in range(2):
            page = client.get(reverse("quizzes:sitting", args=[sitting.pk])).content.decode()
    assert render.call_count == 2  # never kept
    response = sitting.responses.get()
    assert f'name="r{response.pk}"' in page and "Ký tự \ue000 lạ" in page
    assert "\ue001 A" in page


# The legend as the attempt page wrote it inline, in its loop, before it was kept per process.
_INLINE_LEGEND = (
    "{% load i18n l10n %}{% localize off %}{% for r in responses %}"
    '<legend><span class="quiz-number">{% blocktranslate with n=forloop.counter %}Question '
    "{{ n }}{% endblocktranslate %}</span>\n"
    '      <span class="muted">({% blocktranslate with points=r.points|floatformat:"-2" %}'
    "{{ points }} pt{% endblocktranslate %})</span></legend>|{% endfor %}{% endlocalize %}"
)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_kept_legend_is_the_legend_rendered_in_the_loop(learner, official, language):
    from django.template import engines

    quiz = QuizFactory()
    for i, points in enumerate(["1", "1.5", "2.25", "10", "1.5"]):
        make_question("single", quiz=quiz, order=i, points=Decimal(points))
    sitting = services.sitting_start(quiz=quiz, user=learner)
    with translation.override(language):
        for _ in range(2):  # rendered, then kept
            responses = fragments.attempt_responses(sitting)
            fragments.question_legends(responses)
            inline = engines["django"].from_string(_INLINE_LEGEND).render({"responses": responses})
            assert "".join(f"{r.legend}|" for r in responses) == inline
    assert ("(1,50 điểm)" if language == "vi" else "(1.50 pt)") in inline
