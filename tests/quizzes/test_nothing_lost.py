"""What valid files carry arrives whole: true/false feedback, partial credit, HTML, <info>."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from lms.quizzes import services
from lms.quizzes.formats import gift
from lms.quizzes.formats.export import from_model, to_gift
from lms.quizzes.models import Category, Question, QuizQuestion
from tests.factories.quizzes import QuizFactory

XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<question type="category"><category><text>$course$/top/ISO/HTML</text></category>
<info format="html"><text><![CDATA[<p>Câu hỏi <b>định dạng</b> HTML</p>]]></text></info>
</question>
<question type="multichoice"><name><text>q-html</text></name>
<questiontext format="html"><text><![CDATA[<p>Vấn đề <b>nào</b> đúng?</p>]]></text></questiontext>
<single>true</single>
<answer fraction="100" format="html"><text><![CDATA[<p>Rủi ro <b>&amp; cơ hội</b></p>]]></text>
<feedback format="html"><text><![CDATA[<p>Đúng <i>điều 6.1</i></p>]]></text></feedback></answer>
<answer fraction="0" format="html">
<text><![CDATA[<p>Không <script>alert(1)</script>gì</p>]]></text></answer>
</question>
<question type="truefalse"><name><text>q-tf</text></name>
<questiontext format="plain_text">
<text>Thông tin dạng văn bản phải được kiểm soát.</text></questiontext>
<answer fraction="100"><text>true</text><feedback><text>Đúng: điều 7.5.</text></feedback></answer>
<answer fraction="0"><text>false</text>
<feedback><text>Sai: xem điều 7.5.3.</text></feedback></answer>
</question>
<question type="shortanswer"><name><text>q-short</text></name>
<questiontext format="plain_text"><text>Chu trình cải tiến?</text></questiontext>
<answer fraction="100"><text>PDCA</text></answer>
<answer fraction="50"><text>PDSA</text></answer>
<answer fraction="0"><text>*</text></answer>
</question>
</quiz>
"""


def _import(tmp_path):
    path = tmp_path / "bank.xml"
    path.write_text(XML, encoding="utf-8")
    call_command("import_questions", str(path), stdout=StringIO())


def _sit(learner, answers):
    quiz = QuizFactory(pass_mark=0)
    for order, key in enumerate(("q-html", "q-tf", "q-short")):
        QuizQuestion.objects.create(quiz=quiz, question=Question.objects.get(key=key), order=order)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    by_key = {r.question.key: r for r in sitting.responses.select_related("question")}
    services.sitting_submit(
        sitting=sitting, answers={by_key[k].pk: v(by_key[k]) for k, v in answers.items()}
    )
    sitting.refresh_from_db()
    return sitting


def test_truefalse_feedback_partial_credit_html_and_info_are_kept(client, tmp_path, learner):
    _import(tmp_path)
    tf = Question.objects.get(key="q-tf")
    assert (tf.feedback_true, tf.feedback_false) == ("Đúng: điều 7.5.", "Sai: xem điều 7.5.3.")
    short = Question.objects.get(key="q-short")
    assert sorted(short.choices.values_list("text", "fraction")) == [
        ("PDCA", Decimal(1)),
        ("PDSA", Decimal("0.5")),
    ]
    assert Category.objects.get(path="ISO/HTML").description == (
        "<p>Câu hỏi <b>định dạng</b> HTML</p>"
    )

    def right(r):
        return [str(r.question.choices.get(fraction=1).pk)]

    sitting = _sit(
        learner, {"q-html": right, "q-tf": lambda r: ["false"], "q-short": lambda r: ["pdsa"]}
    )
    assert sitting.score == Decimal("1.5")  # 1 + 0 + half of 1
    client.force_login(learner)
    page = client.get(reverse("quizzes:sitting_result", args=[sitting.pk])).content.decode()
    assert "Sai: xem điều 7.5.3." in page and "Đúng: điều 7.5." not in page
    assert "<p>Rủi ro <b>&amp; cơ hội</b></p>" in page  # rendered, not printed as markup
    assert "&lt;b&gt;" not in page and "&amp;amp;" not in page
    assert "<i>điều 6.1</i>" in page
    assert "<script>alert" not in page
    assert "PDSA (50%)" in page

    # The attempt keeps the feedback it showed when the bank changes.
    Question.objects.filter(pk=tf.pk).update(feedback_false="Đã đổi")
    page = client.get(reverse("quizzes:sitting_result", args=[sitting.pk])).content.decode()
    assert "Sai: xem điều 7.5.3." in page and "Đã đổi" not in page


def test_attempt_page_renders_html_answers(client, tmp_path, learner):
    _import(tmp_path)
    quiz = QuizFactory()
    QuizQuestion.objects.create(quiz=quiz, question=Question.objects.get(key="q-html"))
    sitting = services.sitting_start(quiz=quiz, user=learner)
    client.force_login(learner)
    page = client.get(reverse("quizzes:sitting", args=[sitting.pk])).content.decode()
    assert "<p>Rủi ro <b>&amp; cơ hội</b></p>" in page and "&lt;p&gt;" not in page


def test_truefalse_feedback_and_partial_answers_round_trip_through_gift(tmp_path, db):
    _import(tmp_path)
    bank = [from_model(q) for q in Question.objects.order_by("key")]
    again = {q.key: q for q in gift.parse(to_gift(bank), path="out.gift")}
    assert (again["q-tf"].feedback_true, again["q-tf"].feedback_false) == (
        "Đúng: điều 7.5.",
        "Sai: xem điều 7.5.3.",
    )
    assert again["q-short"].answers == ["PDCA"]
    assert [(c.text, c.fraction) for c in again["q-short"].partial_answers] == [
        ("PDSA", Decimal("0.5"))
    ]


NUMERICAL = """
::Năm::Tiêu chuẩn ISO 9001 hiện hành ban hành năm nào?{#=2015:0#Đúng =%50%2014:1#Gần đúng}

::Khoảng::Tỷ lệ đạt tối thiểu (%)?{#60..80}

::Số::Số điều của tiêu chuẩn?{#10}
"""


def test_gift_numerical_forms():
    year, span, plain = gift.parse(NUMERICAL, path="n.gift")
    assert year.kind == span.kind == plain.kind == "numerical"
    assert [(c.text, c.fraction, c.tolerance, c.feedback) for c in year.choices] == [
        ("2015", 1, 0, "Đúng"),
        ("2014", Decimal("0.5"), 1, "Gần đúng"),
    ]
    assert [(c.text, c.tolerance) for c in span.choices] == [("70", 10)]
    assert [(c.text, c.tolerance) for c in plain.choices] == [("10", 0)]
    again = gift.parse(to_gift([year, span, plain]), path="again.gift")
    assert [q.choices for q in again] == [year.choices, span.choices, plain.choices]


def test_numerical_refusals_name_the_line():
    import pytest

    from lms.quizzes.formats.base import FormatError

    with pytest.raises(FormatError, match="n.gift:1: .*'hai nghìn' is not a number"):
        gift.parse("::N::Năm?{#hai nghìn}", path="n.gift")
    with pytest.raises(FormatError, match="needs an answer worth 100%"):
        gift.parse("::N::Năm?{#=%50%2015:0}", path="n.gift")


NUMERICAL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="numerical"><name><text>q-num</text></name>
<questiontext format="plain_text"><text>Năm ban hành?</text></questiontext>
<answer fraction="100"><text>2015</text><tolerance>0.5</tolerance>
<feedback><text>Đúng</text></feedback></answer>
<answer fraction="0"><text>*</text><tolerance>0</tolerance></answer>
</question></quiz>
"""


def test_moodle_xml_numerical_is_marked_with_its_tolerance_and_reviewed(client, tmp_path, learner):
    path = tmp_path / "n.xml"
    path.write_text(NUMERICAL_XML, encoding="utf-8")
    call_command("import_questions", str(path), stdout=StringIO())
    question = Question.objects.get(key="q-num")
    assert question.kind == "numerical"
    assert list(question.choices.values_list("text", "tolerance")) == [("2015", Decimal("0.5"))]
    scores = []
    for given in ("2015,4", "2016", "năm"):
        quiz = QuizFactory()
        QuizQuestion.objects.create(quiz=quiz, question=question)
        sitting = services.sitting_start(quiz=quiz, user=learner)
        response = sitting.responses.get()
        services.sitting_submit(sitting=sitting, answers={response.pk: [given]})
        sitting.refresh_from_db()
        scores.append(sitting.score)
    assert scores == [1, 0, 0]
    client.force_login(learner)
    first = QuizQuestion.objects.filter(question=question).order_by("pk").first().quiz
    sitting = first.sittings.get()
    page = client.get(reverse("quizzes:sitting_result", args=[sitting.pk])).content.decode()
    assert "2015,4" in page and "2015 ± 0.5" in page
