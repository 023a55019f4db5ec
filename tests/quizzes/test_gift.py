"""GIFT parser: one test per feature of Moodle's GIFT format that we import."""

from decimal import Decimal
from pathlib import Path

import pytest

from lms.quizzes.formats import gift
from lms.quizzes.formats.base import FormatError, UnsupportedQuestion

DATA = Path(__file__).parent / "data"


def one(text: str):
    questions = gift.parse(text, path="q.gift")
    assert len(questions) == 1
    return questions[0]


def error(text: str) -> FormatError:
    with pytest.raises(FormatError) as caught:
        gift.parse(text, path="q.gift")
    return caught.value


def test_single_choice_with_title_and_per_answer_feedback():
    question = one(
        "::Q1::Đánh giá nội bộ là điều nào?{=9.2#Đúng ~9.3#Đó là xem xét của lãnh đạo ~10.2}"
    )
    assert question.kind == "single"
    assert question.name == question.key == "Q1"
    assert question.text == "Đánh giá nội bộ là điều nào?"
    assert question.text_format == "plain"
    assert [(c.text, c.fraction, c.feedback) for c in question.choices] == [
        ("9.2", 1, "Đúng"),
        ("9.3", 0, "Đó là xem xét của lãnh đạo"),
        ("10.2", 0, ""),
    ]


def test_single_choice_over_several_lines_with_partial_weight():
    question = one("Chọn đáp án{\n  =Đúng\n  ~%50%Gần đúng\n  ~%-25%Sai\n}")
    assert question.kind == "single"
    assert [c.fraction for c in question.choices] == [1, Decimal("0.5"), Decimal("-0.25")]


def test_multiple_response_with_weights():
    question = one("Những điều nào thuộc chương 9?{~%50%9.1 ~%50%9.2 ~%-100%10.2#Chương 10}")
    assert question.kind == "multiple"
    assert [(c.text, c.fraction) for c in question.choices] == [
        ("9.1", Decimal("0.5")),
        ("9.2", Decimal("0.5")),
        ("10.2", Decimal("-1")),
    ]
    assert question.choices[2].feedback == "Chương 10"


def test_multiple_response_accepts_moodle_decimal_weights():
    question = one("Chọn{~%33.33333%a ~%33.33333%b ~%33.33333%c ~d}")
    assert [c.fraction for c in question.choices[:3]] == [Decimal("0.3333333")] * 3


@pytest.mark.parametrize(
    ("block", "correct"),
    [
        ("{T}", True),
        ("{TRUE}", True),
        ("{F}", False),
        ("{FALSE}", False),
        ("{true}", True),
        ("{False}", False),
        ("{t}", True),
        ("{ f }", False),
    ],
)
def test_true_false_in_all_spellings(block, correct):
    question = one(f"Thông tin dạng văn bản là thuật ngữ của bản 2015.{block}")
    assert question.kind == "truefalse"
    assert question.correct is correct
    assert question.choices == []


def test_true_false_feedback_wrong_then_right():
    right_is_true = one("Câu hỏi{T#Sai rồi#Đúng rồi}")
    assert (right_is_true.feedback_true, right_is_true.feedback_false) == ("Đúng rồi", "Sai rồi")
    right_is_false = one("Câu hỏi{FALSE#Sai rồi#Đúng rồi####Chung}")
    assert (right_is_false.feedback_true, right_is_false.feedback_false) == ("Sai rồi", "Đúng rồi")
    assert right_is_false.explanation == "Chung"


def test_short_answer():
    question = one(
        "Viết tắt của chu trình cải tiến?{=PDCA =P-D-C-A#Cũng đúng =%100%Plan-Do-Check-Act}"
    )
    assert question.kind == "short"
    assert question.answers == ["PDCA", "P-D-C-A", "Plan-Do-Check-Act"]
    assert question.choices == []


def test_short_answer_drops_moodle_catch_all_and_keeps_partial_credit():
    assert one("Q{=%100%PDCA#ok =%0%*#sai}").answers == ["PDCA"]
    question = one("Q{=PDCA =%50%PDC}")
    assert question.answers == ["PDCA"]
    assert [(c.text, c.fraction) for c in question.partial_answers] == [("PDC", Decimal("0.5"))]
    with pytest.raises(FormatError, match="at least one answer worth 100%"):
        gift.parse("Q{=%50%PDC}", path="q.gift")


def test_essay_with_and_without_general_feedback():
    assert one("Mô tả quy trình một cửa.{}").kind == "essay"
    question = one("::E::Mô tả quy trình một cửa.{####Nêu tiếp nhận, xử lý, trả kết quả.}")
    assert question.kind == "essay"
    assert question.explanation == "Nêu tiếp nhận, xử lý, trả kết quả."


def test_missing_word_keeps_a_blank():
    question = one("Cơ quan phải thực hiện {=hành động khắc phục ~bỏ qua} theo điều 10.2.")
    assert question.text == "Cơ quan phải thực hiện _____ theo điều 10.2."
    assert question.kind == "single"


def test_general_feedback_goes_to_explanation():
    question = one("Q{=a ~b ####Theo điều 6.2.}")
    assert question.explanation == "Theo điều 6.2."
    assert [c.text for c in question.choices] == ["a", "b"]


def test_description_is_reported_with_line_and_title():
    text = "// đầu tệp\n\n::Một::Câu một{T}\n\n::Giới thiệu::Chỉ là một đoạn văn mô tả.\n"
    with pytest.raises(UnsupportedQuestion) as caught:
        gift.parse(text, path="q.gift")
    assert (caught.value.kind, caught.value.line, caught.value.name) == (
        "description",
        5,
        "Giới thiệu",
    )
    assert str(caught.value).startswith("q.gift:5: unsupported question type")


def test_unsupported_collected_when_asked_and_others_still_parsed():
    found = []
    questions = gift.parse("A{T}\n\n::M::Chỉ mô tả.\n\nC{F}", path="q.gift", unsupported=found)
    assert [q.text for q in questions] == ["A", "C"]
    assert [(u.kind, u.name, u.line) for u in found] == [("description", "M", 3)]


def test_matching_pairs_and_extra_wrong_answer():
    question = one(
        "::Ghép::Ghép điều khoản.{\n=9.2 -> Đánh giá nội bộ\n=9.3 -> Xem xét của lãnh đạo\n"
        "= -> Hoạch định\n####Xem chương 9.}"
    )
    assert question.kind == "matching"
    assert [(c.text, c.match, c.fraction) for c in question.choices] == [
        ("9.2", "Đánh giá nội bộ", 1),
        ("9.3", "Xem xét của lãnh đạo", 1),
        ("", "Hoạch định", 0),
    ]
    assert question.explanation == "Xem chương 9."


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Q{=a -> b}", "a matching question needs at least two items with answers"),
        ("Q{=a -> b =c}", "matching pair 'c' has no '->' (write =item -> answer)"),
        ("Q{=a -> b =c -> }", "the matching item 'c' has no answer after '->'"),
    ],
)
def test_bad_matching_refused_with_line(source, message):
    with pytest.raises(FormatError) as caught:
        gift.parse(f"A{{T}}\n\n{source}", path="m.gift")
    assert str(caught.value) == f"m.gift:3: {message}"


def test_categories_switch_and_strip_moodle_prefix():
    questions = gift.parse(
        "Không nhóm{T}\n\n$CATEGORY: $course$/top/ISO-NT/01\n\nA{T}\n\nB{F}\n\n"
        "$CATEGORY: ISO-NT/02\n\nC{T}",
        path="q.gift",
    )
    assert [(q.text, q.category) for q in questions] == [
        ("Không nhóm", ""),
        ("A", "ISO-NT/01"),
        ("B", "ISO-NT/01"),
        ("C", "ISO-NT/02"),
    ]


def test_comments_are_ignored_and_moodle_id_and_tags_are_read():
    question = one(
        "// chú thích // không phải câu hỏi\n// [id:nt-01] [tag:5W1H] [tag:clause:6.2]\n::T::Q{T}"
    )
    assert question.key == "nt-01"
    assert question.name == "T"
    assert question.tags == ["5W1H"]
    assert question.clauses == ["6.2"]


def test_escapes():
    question = one(
        r"::A\:B::Ký tự \~ \= \# \{ \} \: và \\ cùng\ndòng mới{=x\=y\#z#phản \{hồi\} ~\~w}"
    )
    assert question.name == "A:B"
    assert question.text == "Ký tự ~ = # { } : và \\ cùng\ndòng mới"
    assert [(c.text, c.feedback) for c in question.choices] == [("x=y#z", "phản {hồi}"), ("~w", "")]


@pytest.mark.parametrize(
    ("marker", "text_format"),
    [
        ("[html]", "html"),
        ("[markdown]", "markdown"),
        ("[plain]", "plain"),
        ("[moodle]", "plain"),
        ("", "plain"),
    ],
)
def test_text_formats(marker, text_format):
    question = one(f"::F::{marker}<b>Đậm</b> và **đậm**{{=[{text_format}]a ~b}}")
    assert question.text_format == text_format
    assert question.text == "<b>Đậm</b> và **đậm**"
    assert question.choices[0].text == "a"


def test_html_text_keeps_markup_and_multiple_lines():
    question = one("::H::[html]<p>Dòng một</p>\n<p>Dòng <em>hai</em></p>{T}")
    assert question.text == "<p>Dòng một</p>\n<p>Dòng <em>hai</em></p>"


def test_vietnamese_utf8_sample_file_with_bom_and_crlf():
    raw = (DATA / "iso9001_vi.gift").read_bytes()
    found = []
    plain = gift.parse(raw, path="iso9001_vi.gift", unsupported=found)
    with_bom = gift.parse(
        b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"), path="iso9001_vi.gift", unsupported=[]
    )
    assert plain == with_bom
    assert {q.kind for q in plain} == {
        "single",
        "multiple",
        "truefalse",
        "short",
        "numerical",
        "matching",
        "essay",
    }
    assert plain[0].text.startswith("Theo TCVN ISO 9001:2015, hoạt động kiểm tra định kỳ")
    assert plain[0].category == "ISO-NT/01"
    assert found == []


def test_non_utf8_file_is_refused_clearly():
    raw = "Câu hôm nay{T}".encode("cp1258")  # a Vietnamese Windows code page
    problem = error(raw)
    assert str(problem) == "q.gift: file is not UTF-8 (byte 0xE2 at offset 1); save it as UTF-8"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("A{T}\n\nCâu hỏi {=a ~b\n~c", 3, "not closed"),
        ("A{T}\n\nCâu hỏi {~a ~b}", 3, "no answer is marked right"),
        ("A{T}\n\nCâu {=a ~b}\nthêm {=c ~d}", 4, "second answer block"),
        ("A{T}\n\nChỉ là văn bản lạc", 3, "without an answer block"),
        ("A{T}\n\nCâu hỏi }", 3, "'}' without '{'"),
        ("A{T}\n\nCâu hỏi {=a {~b}", 3, "'{' inside"),
        ("A{T}\n\n::Tên không đóng Câu{T}", 3, "not closed with '::'"),
        ("A{T}\n\nCâu {=a =b ~c}", 3, "2 answers are marked right"),
        ("A{T}\n\nCâu {~%50%a ~%40%b}", 3, "add up to 90%"),
        ("A{T}\n\nCâu {~%150%a ~b}", 3, "outside"),
        ("A{T}\n\nCâu {Hà Nội}", 3, "cannot tell the question type"),
        ("A{T}\n\nCâu {=a}", None, None),  # a single '=' is a short answer: valid
        ("A{T}\n\nCâu {=a ~}", 3, "empty answer"),
        ("A{T}\n\n::T::{T}", 3, "no text"),
        ("A{T}\n\nB{F}\n// c\n  thêm chữ", 5, "text after the answer block on a new line"),
    ],
)
def test_malformed_input_names_the_line(text, line, words):
    if words is None:
        assert gift.parse(text, path="q.gift")[1].kind == "short"
        return
    problem = error(text)
    assert problem.line == line
    assert words in problem.message
    assert str(problem).startswith(f"q.gift:{line}: ")
