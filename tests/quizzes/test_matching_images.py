"""Matching questions (attempt, marking, review, item analysis) and images embedded in Moodle
XML (checked, stored in the image library, shown from our media only, exported again)."""

import base64
import io
import random
import struct
import zlib
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model

from lms.quizzes import selectors, services
from lms.quizzes.formats import gift, moodlexml
from lms.quizzes.formats import images as image_checks
from lms.quizzes.formats.base import FormatError
from lms.quizzes.formats.export import to_moodlexml
from lms.quizzes.images import COLLECTION_NAME
from lms.quizzes.models import Question, Response
from lms.quizzes.templatetags.quizzes_tags import rich
from tests.factories.quizzes import QuizFactory

MATCHING = (
    "::Ghép::Ghép điều khoản với nội dung.{\n=9.2 -> Đánh giá nội bộ\n"
    "=9.3 -> Xem xét của lãnh đạo\n=10.2 -> Sự không phù hợp\n= -> Hoạch định\n}"
)


def png(width=40, height=20, color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` (a decompression bomb's trick)."""
    data = bytearray(png(1, 1))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def xml_with(question: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
        '<question type="category"><category><text>$course$/top/ẢNH</text></category></question>\n'
        f"{question}\n</quiz>\n"
    ).encode()


def image_question(
    files: str,
    text: str = '<p>Sơ đồ <img src="@@PLUGINFILE@@/so%20do.png" alt="Sơ đồ PDCA"></p>',
    feedback: str = "",
) -> str:
    return (
        '<question type="multichoice"><name><text>Ảnh</text></name>\n'
        f'<questiontext format="html"><text><![CDATA[{text}]]></text>{files}</questiontext>\n'
        '<single>true</single><answer fraction="100" format="html"><text>Đúng</text>'
        f"{feedback}</answer>"
        '<answer fraction="0" format="html"><text>Sai</text></answer></question>'
    )


def file_element(name: str, data: bytes | str) -> str:
    encoded = data if isinstance(data, str) else b64(data)
    return f'<file name="{name}" path="/" encoding="base64">{encoded}</file>'


def start(quiz, learner, seed=3):
    return services.sitting_start(quiz=quiz, user=learner, rng=random.Random(seed))


def matching_quiz(slug="ghep"):
    services.questions_import(questions=gift.parse(MATCHING, path="g.gift"), source="g.gift")
    quiz = QuizFactory(slug=slug, pass_mark=50)
    quiz.quiz_questions.create(question=Question.objects.get(key="Ghép"), order=0)
    return quiz


def pick(response: Response, wanted: dict[str, str]) -> list[str]:
    """Posted values choosing, for each item text, the option with the given answer."""
    items = {c["text"]: c["id"] for c in response.shown["choices"] if c["text"]}
    options = response.shown["options"]
    return [f"{items[item]}:{options.index(answer)}" for item, answer in wanted.items()]


# --- matching ----------------------------------------------------------------------------------


def test_matching_marks_a_share_per_right_pair(learner, official):
    quiz = matching_quiz()
    sitting = start(quiz, learner)
    response = sitting.responses.get()
    assert response.choice_order == [
        c.pk for c in response.question.choices.order_by("order") if c.text
    ]
    assert sorted(response.shown["options"]) == sorted(
        ["Đánh giá nội bộ", "Xem xét của lãnh đạo", "Sự không phù hợp", "Hoạch định"]
    )
    values = pick(
        response,
        {"9.2": "Đánh giá nội bộ", "9.3": "Xem xét của lãnh đạo", "10.2": "Hoạch định"},
    )
    services.sitting_submit(sitting=sitting, answers={response.pk: [*values, "999:0", "x:y"]})
    response.refresh_from_db()
    assert response.score == Decimal("0.67")  # 2 of 3 pairs, a share each
    assert response.matching_answer() == {
        int(v.split(":")[0]): response.shown["options"][int(v.split(":")[1])] for v in values
    }


def test_matching_attempt_page_has_a_labelled_select_per_item(client, learner, official):
    quiz = matching_quiz()
    sitting = start(quiz, learner)
    response = sitting.responses.get()
    client.force_login(learner)
    page = client.get(reverse("quizzes:sitting", args=[sitting.pk])).content.decode()
    for item in response.choice_order:
        assert f'aria-labelledby="mi{response.pk}-{item}"' in page
        assert f'id="mi{response.pk}-{item}"' in page
    assert page.count(f'<select name="r{response.pk}"') == 3
    for index, option in enumerate(response.shown["options"]):
        assert f'value="{response.choice_order[0]}:{index}">{option}</option>' in page
    # The posted page saves the pairs as the autosave does.
    client.post(
        reverse("quizzes:sitting", args=[sitting.pk]),
        {"present": [response.pk], f"r{response.pk}": pick(response, {"9.3": "Hoạch định"})},
    )
    response.refresh_from_db()
    assert list(response.matching_answer().values()) == ["Hoạch định"]
    assert response.answered_at is not None


def test_matching_review_shows_the_pairs_as_marked_after_a_reimport(client, learner, official):
    quiz = matching_quiz()
    sitting = start(quiz, learner)
    response = sitting.responses.get()
    values = pick(response, {"9.2": "Đánh giá nội bộ", "9.3": "Hoạch định"})
    services.sitting_submit(sitting=sitting, answers={response.pk: values})
    # The bank changes afterwards: another key, another item.
    changed = MATCHING.replace("=9.3 -> Xem xét của lãnh đạo", "=9.1 -> Theo dõi, đo lường")
    warnings = []
    services.questions_import(
        questions=gift.parse(changed, path="g2.gift"), source="g2.gift", warnings=warnings
    )
    assert any("past attempt" in w for w in warnings)
    client.force_login(learner)
    page = client.get(reverse("quizzes:sitting_result", args=[sitting.pk])).content.decode()
    assert "quiz-matching-review" in page
    assert "Xem xét của lãnh đạo" in page and "Theo dõi, đo lường" not in page
    rows = page.split('<tr class="')[1:]
    assert [row.split('"')[0] for row in rows] == ["is-correct", "is-wrong", "is-wrong"]
    assert "Hoạch định" in rows[1] and "Xem xét của lãnh đạo" in rows[1]


def test_item_analysis_counts_each_item_paired_right(learner, official, editor, make_user, tree):
    quiz = matching_quiz()
    first = start(quiz, learner)
    response = first.responses.get()
    services.sitting_submit(
        sitting=first, answers={response.pk: pick(response, {"9.2": "Đánh giá nội bộ"})}
    )
    second = start(quiz, learner)
    response = second.responses.get()
    services.sitting_submit(
        sitting=second,
        answers={
            response.pk: pick(response, {"9.2": "Đánh giá nội bộ", "9.3": "Xem xét của lãnh đạo"})
        },
    )
    analysis = selectors.item_analysis(user=editor, quiz=quiz)
    (row,) = analysis["questions"]
    assert [(c["choice"].text, c["count"]) for c in row["choices"]] == [
        ("9.2", 2),
        ("9.3", 1),
        ("10.2", 0),
    ]


# --- images: parsing -------------------------------------------------------------------------


def test_embedded_image_and_references_in_answers_and_feedback_are_parsed():
    feedback = (
        '<feedback format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/so%20do.png">]]>'
        f"</text>{file_element('so do.png', png())}</feedback>"
    )
    (question,) = moodlexml.parse(
        xml_with(image_question(file_element("so do.png", png()), feedback=feedback)), path="a.xml"
    )
    assert list(question.files) == ["so%20do.png"]
    assert question.files["so%20do.png"] == png()


def test_old_image_element_is_appended_to_the_text():
    question = image_question("", text="Câu <hỏi>").replace(
        "</questiontext>",
        f"</questiontext><image>pix/so_do.png</image><image_base64>{b64(png())}</image_base64>",
    )
    (parsed,) = moodlexml.parse(xml_with(question), path="a.xml")
    assert parsed.text.endswith('<p><img src="@@PLUGINFILE@@/so_do.png" alt=""></p>')
    assert list(parsed.files) == ["so_do.png"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ("", "the text refers to the file 'so do.png', which is missing"),
        (file_element("so do.png", "không phải base64!"), "file 'so do.png' is not valid base64"),
        (
            file_element("so do.png", b"%PDF-1.4 a document"),
            "file 'so do.png' is not a PNG, JPEG, GIF or WebP image (application/pdf)",
        ),
        (
            file_element("so do.png", b"just text"),
            "file 'so do.png' is not a PNG, JPEG, GIF or WebP image",
        ),
        (
            file_element("so do.png", png_claiming(100_000, 100_000)),
            "image 'so do.png' declares too many pixels (a decompression bomb)",
        ),
        (
            file_element("so do.png", png_claiming(6000, 6000)),
            "image 'so do.png' is 6000 x 6000 pixels, over the limit of 25,000,000 pixels",
        ),
        (
            file_element("so do.png", png()[:40]),
            "image 'so do.png' is damaged and cannot be read",
        ),
    ],
)
def test_bad_embedded_files_are_refused_with_line_and_question(files, message):
    with pytest.raises(FormatError) as caught:
        moodlexml.parse(xml_with(image_question(files)), path="bad.xml")
    text = str(caught.value)
    assert text.startswith("bad.xml:") and "question 'Ảnh'" in text and message in text
    assert caught.value.line in (4, 5)


def test_oversized_image_is_refused(monkeypatch):
    monkeypatch.setattr(image_checks, "MAX_IMAGE_BYTES", 2048)
    buffer = io.BytesIO()
    Image.effect_noise((100, 100), 80).save(buffer, "PNG")  # noise does not compress
    data = buffer.getvalue()
    expected = f"image 'so do.png' is {round(len(data) / 1024)} KB, over the limit of 2 KB"
    with pytest.raises(FormatError, match=expected):
        moodlexml.parse(xml_with(image_question(file_element("so do.png", data))), path="b.xml")


def test_old_image_without_its_bytes_is_refused():
    question = image_question("", text="Câu").replace(
        "</questiontext>", "</questiontext><image>pix/a.png</image>"
    )
    with pytest.raises(FormatError, match="refers to 'a.png' but the file does not contain it"):
        moodlexml.parse(xml_with(question), path="a.xml")


# --- images: the library, the pages, export --------------------------------------------------


def run_import(path: Path, *args) -> str:
    out = StringIO()
    call_command("import_questions", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def image_file(tmp_path):
    path = tmp_path / "anh.xml"
    path.write_bytes(xml_with(image_question(file_element("so do.png", png()))))
    return path


def stored_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "original_images"
    return list(folder.iterdir()) if folder.is_dir() else []


def test_dry_run_writes_no_image(db, image_file):
    before = stored_files()
    out = run_import(image_file, "--dry-run")
    assert "Would import 1 question(s)" in out
    assert get_image_model().objects.count() == 0
    assert stored_files() == before


def test_images_go_to_the_library_once_and_show_from_our_media(db, image_file):
    out = run_import(image_file)
    assert "created 1" in out
    image = get_image_model().objects.get()
    assert image.collection.name == COLLECTION_NAME
    assert (image.width, image.height) == (40, 20)
    question = Question.objects.get(key="Ảnh")
    assert image.file.url.startswith(settings.MEDIA_URL)
    assert f'src="{image.file.url}"' in question.text
    assert "@@PLUGINFILE@@" not in question.text
    shown = str(rich(question.text + '<img src="https://example.com/x.png">', "html"))
    assert f'<img src="{image.file.url}" alt="Sơ đồ PDCA">' in shown
    assert "example.com" not in shown
    # Again: the same bytes are found, nothing changes.
    out = run_import(image_file)
    assert "unchanged 1" in out
    assert get_image_model().objects.count() == 1


def test_moodle_xml_export_embeds_the_images_again(db, image_file, tmp_path):
    run_import(image_file)
    out = tmp_path / "out.xml"
    call_command("export_questions", str(out), "--format", "moodlexml", stdout=StringIO())
    (again,) = moodlexml.parse(out.read_bytes(), path=str(out))
    assert "@@PLUGINFILE@@/" in again.text and settings.MEDIA_URL not in again.text
    assert list(again.files.values()) == [png()]
    assert to_moodlexml([again]).count("<file ") == 1
    # And that file imports back onto the same image and the same text.
    assert "unchanged 1" in run_import(out)
    assert get_image_model().objects.count() == 1


@pytest.mark.parametrize(
    "html",
    [
        '<img src="javascript:alert(1)">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="//evil.example/x.png">',
        '<img src="/media/../etc/passwd">',
        '<img src="/media//evil.example/x.png">',
        '<img src="relative.png">',
        '<img alt="no source">',
    ],
)
def test_only_our_media_images_are_rendered(html):
    assert "<img" not in str(rich(f"<p>x{html}</p>", "html"))
    assert "<img" not in str(rich(f"![a]({html[10:-2]})", "markdown"))


def test_files_in_a_folder_round_trip_through_our_export():
    files = '<file name="a.png" path="/hinh/" encoding="base64">' + b64(png()) + "</file>"
    source = xml_with(image_question(files, text='<p><img src="@@PLUGINFILE@@/hinh/a.png"></p>'))
    (parsed,) = moodlexml.parse(source, path="a.xml")
    assert list(parsed.files) == ["hinh/a.png"]
    written = to_moodlexml([parsed])
    assert '<file name="a.png" path="/hinh/" encoding="base64">' in written
    (again,) = moodlexml.parse(written.encode(), path="b.xml")
    assert again.files == parsed.files and again.text == parsed.text
