"""Moodle XML parser: question types, formats, fractions, categories, tags and safe parsing."""

from decimal import Decimal
from pathlib import Path

import pytest

from lms.quizzes.formats import moodlexml
from lms.quizzes.formats.base import FormatError, UnsupportedQuestion

DATA = Path(__file__).parent / "data"


def quiz(*questions: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"
    ).encode()


def mc(answers: str, single: str = "true", fmt: str = "html", name: str = "Q") -> str:
    return (
        f'<question type="multichoice"><name><text>{name}</text></name>'
        f'<questiontext format="{fmt}"><text>Câu hỏi</text></questiontext>'
        f"<single>{single}</single>{answers}</question>"
    )


def answer(fraction, text, feedback=""):
    fb = f"<feedback><text>{feedback}</text></feedback>" if feedback else ""
    return f'<answer fraction="{fraction}"><text>{text}</text>{fb}</answer>'


@pytest.fixture
def sample():
    found = []
    questions = moodlexml.parse(
        (DATA / "iso9001_vi.xml").read_bytes(), path="iso9001_vi.xml", unsupported=found
    )
    return {q.name: q for q in questions}, found


def test_single_choice_with_feedback_tags_and_idnumber(sample):
    question = sample[0]["Xem xét của lãnh đạo"]
    assert question.kind == "single"
    assert question.key == "mx-q01"
    assert question.text_format == "html"
    assert question.text.startswith("<p>Điều nào của TCVN ISO 9001:2015 quy định <strong>")
    assert [(c.text, c.fraction, c.feedback) for c in question.choices] == [
        ("9.3", 1, "Đúng."),
        ("9.2", 0, "Điều 9.2 là đánh giá nội bộ."),
        ("10.2", 0, ""),
    ]
    assert question.explanation == "<p>Điều 9.3: Xem xét của lãnh đạo.</p>"
    assert question.tags == ["lãnh đạo"]
    assert question.clauses == ["9.3"]
    assert question.shuffle is False
    assert question.line == 22


def test_multiple_response_with_decimal_fractions_and_points(sample):
    question = sample[0]["Đầu vào xem xét"]
    assert question.kind == "multiple"
    assert [c.fraction for c in question.choices] == [Decimal("0.3333333")] * 3 + [Decimal(-1)]
    assert question.points == 2
    assert question.text_format == "plain"  # moodle_auto_format


def test_true_false_with_feedback(sample):
    question = sample[0]["Đánh giá theo kế hoạch"]
    assert question.kind == "truefalse"
    assert question.correct is True
    assert question.feedback_true == "Đúng: điều 9.2.1."
    assert question.feedback_false == "Xem lại điều 9.2.1."
    assert question.text_format == "plain"


def test_short_answer_keeps_full_credit_answers(sample):
    question = sample[0]["Thuật ngữ 7.5"]
    assert question.kind == "short"
    assert question.answers == ["thông tin dạng văn bản"]
    assert question.text_format == "markdown"


def test_essay_uses_grader_information_when_no_general_feedback(sample):
    question = sample[0]["Hành động khắc phục"]
    assert question.kind == "essay"
    assert "xem xét hiệu lực" in question.explanation


def test_categories_and_description_skipped(sample):
    questions, _found = sample
    assert {name: q.category for name, q in questions.items()} == {
        "Xem xét của lãnh đạo": "ISO-NT/03",
        "Đầu vào xem xét": "ISO-NT/03",
        "Đánh giá theo kế hoạch": "ISO-NT/03",
        "Thuật ngữ 7.5": "ISO-NT/04",
        "Hành động khắc phục": "ISO-NT/04",
        "Ghép điều khoản": "ISO-NT/04",
    }
    assert "Giới thiệu" not in questions


def test_unsupported_types_reported_with_line_and_name(sample):
    _questions, found = sample
    assert [(u.kind, u.name, u.line) for u in found] == [("cloze", "Điền khuyết", 165)]
    with pytest.raises(
        UnsupportedQuestion, match=r"iso9001_vi.xml:165: unsupported question type 'cloze'"
    ):
        moodlexml.parse((DATA / "iso9001_vi.xml").read_bytes(), path="iso9001_vi.xml")


def test_matching_items_in_html_answers_and_extra_wrong_answer(sample):
    questions, _found = sample
    matching = questions["Ghép điều khoản"]
    assert matching.kind == "matching"
    assert [(c.text, c.match, c.fraction) for c in matching.choices] == [
        ("<p>Điều <b>9.2</b></p>", "Đánh giá nội bộ", 1),
        ("<p>Điều <b>9.3</b></p>", "Xem xét của lãnh đạo", 1),
        ("", "Hoạch định", 0),
    ]
    assert matching.shuffle is True


@pytest.mark.parametrize(
    ("subquestions", "message"),
    [
        (
            "<subquestion><text>a</text><answer><text>b</text></answer></subquestion>",
            "a matching question needs at least two items with answers",
        ),
        (
            "<subquestion><text>a</text><answer><text>b</text></answer></subquestion>"
            "<subquestion><text>c</text><answer><text></text></answer></subquestion>",
            "the matching item 'c' has no answer",
        ),
    ],
)
def test_bad_matching_refused_with_line_and_name(subquestions, message):
    data = (
        '<?xml version="1.0"?>\n<quiz>\n<question type="matching"><name><text>G</text></name>'
        f'<questiontext format="plain_text"><text>Ghép</text></questiontext>{subquestions}'
        "</question></quiz>"
    ).encode()
    with pytest.raises(FormatError) as caught:
        moodlexml.parse(data, path="m.xml")
    assert str(caught.value).startswith("m.xml:3: question 'G': " + message)


def test_plain_answer_text_is_escaped_into_an_html_question():
    data = quiz(
        mc(
            '<answer fraction="100" format="plain_text"><text>a &lt; b</text></answer>'
            + answer(0, "c")
        )
    )
    question = moodlexml.parse(data, path="q.xml")[0]
    assert question.choices[0].text == "a &lt; b"


def test_multiple_single_false_and_single_true_rules():
    assert (
        moodlexml.parse(quiz(mc(answer(50, "a") + answer(50, "b"), single="false")), path="q.xml")[
            0
        ].kind
        == "multiple"
    )
    with pytest.raises(
        FormatError,
        match="q.xml:4: question '[^']+': no answer is marked right "
        "\\(give one answer fraction=.100.\\)",
    ):
        moodlexml.parse(quiz("", mc(answer(50, "a") + answer(50, "b"))), path="q.xml")
    with pytest.raises(FormatError, match="add up to 60%"):
        moodlexml.parse(quiz(mc(answer(30, "a") + answer(30, "b"), single="false")), path="q.xml")


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"<quiz><question type='essay'>", 1, "not well-formed XML"),
        (b"<quiz>\n<question type='essay'>\n</quiz>", 3, "not well-formed XML"),
        (b"<questions/>", 1, "one <quiz> element"),
        (b"<quiz>\n<foo/>\n</quiz>", 2, "unexpected <foo>"),
        (
            b"<quiz>\n<question type='essay'><name><text>E</text></name></question></quiz>",
            2,
            "no <questiontext>",
        ),
        (
            b"<quiz>\n<question type='truefalse'><questiontext><text>x</text></questiontext>\n"
            b"<answer fraction='100'><text>yes</text></answer></question></quiz>",
            3,
            "'true' or 'false'",
        ),
    ],
)
def test_malformed_xml_names_the_line(data, line, words):
    with pytest.raises(FormatError) as caught:
        moodlexml.parse(data, path="q.xml")
    assert caught.value.line == line
    assert words in caught.value.message


def test_entities_and_doctype_are_refused():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;">]>\n<quiz>&b;</quiz>'
    )
    with pytest.raises(FormatError, match="entities are not allowed"):
        moodlexml.parse(bomb, path="q.xml")
    external = b'<?xml version="1.0"?>\n<!DOCTYPE quiz SYSTEM "file:///etc/passwd">\n<quiz/>'
    with pytest.raises(FormatError, match="not allowed"):
        moodlexml.parse(external, path="q.xml")


def test_non_utf8_file_is_refused_clearly():
    data = "<quiz><question type='essay'><questiontext><text>Câu hôm nay</text></questiontext>"
    data += "</question></quiz>"
    with pytest.raises(FormatError) as caught:
        moodlexml.parse(data.encode("cp1258"), path="q.xml")
    assert (
        str(caught.value) == "q.xml: file is not UTF-8 (byte 0xE2 at offset 50); save it as UTF-8"
    )


def test_an_unknown_declared_encoding_is_a_format_error():
    data = b'<?xml version="1.0" encoding="TF-8"?><quiz></quiz>'
    with pytest.raises(FormatError) as caught:
        moodlexml.parse(data, path="q.xml")
    assert str(caught.value) == (
        "q.xml:1: unknown encoding 'TF-8' in the XML declaration; save the file as UTF-8"
    )


def test_declared_latin1_encoding_is_honoured():
    data = "<?xml version='1.0' encoding='ISO-8859-1'?><quiz><question type='essay'>"
    data += "<questiontext><text>Café</text></questiontext></question></quiz>"
    assert moodlexml.parse(data.encode("latin-1"), path="q.xml")[0].text == "Café"
