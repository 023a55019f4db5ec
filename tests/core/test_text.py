"""The one folding of the project and what search builds on it."""

import re
from pathlib import Path

from lms.core.text import fold, highlight, match_spans, search_column, search_words, sort_key

LMS = Path(__file__).resolve().parents[2] / "lms"


def test_fold_and_search_words():
    assert fold("  Đánh_giá   NỘI bộ ") == "danh gia noi bo"
    assert search_words("Chu trình PDCA: 5W + 1H, 5W 1H, 5w1h; khoản 9.2") == [
        "chu", "trinh", "pdca", "5w1h", "5w1h", "5w1h", "khoan", "9", "2",
    ]  # fmt: skip
    assert search_column("Bắc Giang") == " bac giang "
    assert search_column("!!") == ""


def test_sort_key_puts_d_stroke_after_d():
    names = ["Đức", "Dung", "Anh", "Duy", "Em"]
    assert sorted(names, key=sort_key) == ["Anh", "Dung", "Duy", "Đức", "Em"]


def test_highlight_escapes_then_marks_in_the_original_spelling():
    text = "<b>Đánh giá</b> nội bộ & 5W+1H"
    assert match_spans(text, ["danh", "gia"]) == [(3, 11)]
    assert str(highlight(text, search_words("danh gia 5w1h"))) == (
        "&lt;b&gt;<mark>Đánh giá</mark>&lt;/b&gt; nội bộ &amp; <mark>5W+1H</mark>"
    )
    assert str(highlight(text, [])) == "&lt;b&gt;Đánh giá&lt;/b&gt; nội bộ &amp; 5W+1H"
    long = "mở đầu " * 50 + "kiểm soát rủi ro" + " kết thúc" * 50
    excerpt = str(highlight(long, ["kiem"], width=80))
    assert excerpt.startswith("…") and excerpt.endswith("…") and "<mark>kiểm</mark>" in excerpt


def test_no_other_module_folds_text_on_its_own():
    """lms/core/text.py alone folds; everything else calls fold() (or what is built on it)."""
    folding = re.compile(r"\bunicodedata\b|\bunidecode\b|\.casefold\(|replace\(\s*['\"]đ['\"]")
    offenders = [
        str(path.relative_to(LMS))
        for path in LMS.rglob("*.py")
        if path != LMS / "core" / "text.py" and folding.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
