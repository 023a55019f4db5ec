"""The question bank in Wagtail's admin: import (dry run, then confirm) with the command's own
summary, export to GIFT and Moodle XML, and editing questions with the importer's checks.
Editors only; a finished attempt keeps the question as it showed it."""

import datetime
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from lms.core.models import Role
from lms.quizzes import admin_views, services
from lms.quizzes.formats import gift, moodlexml
from lms.quizzes.models import Category, Choice, Question, QuizQuestion
from tests.factories.quizzes import QuizFactory

GIFT = """$CATEGORY: ISO-NT/01

::q-plan:: Bước nào lập kế hoạch trong chu trình PDCA? {=Plan ~Do ~Check}

::q-tf:: Thông tin dạng văn bản phải được kiểm soát. {T}
"""

BROKEN = """::q-a:: Câu một {=A ~B}

::q-b:: Câu hai {=A ~B
"""

IMPORT_URL = reverse("question_import:index")
EXPORT_URL = reverse("question_export:index")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def scoped_editor(make_user, tree):
    """Has Wagtail's admin (a page subtree) but not the question bank."""
    from django.contrib.auth.models import Permission

    user = make_user(username="t_scoped_editor", official_agency=tree["province_a"])
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


def _command(tmp_path, text, *args):
    path = tmp_path / "bank.gift"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_questions", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().replace(str(path), "bank.gift")


def _upload(client, text, name="bank.gift", **extra):
    upload = SimpleUploadedFile(name, text.encode("utf-8"))
    return client.post(IMPORT_URL, {"file": upload, **extra})


def test_editor_dry_run_says_what_the_command_says_and_writes_nothing(client, editor, tmp_path):
    client.force_login(editor)
    page = _upload(client, GIFT)
    assert page.status_code == 200
    assert Question.objects.count() == 0 and Category.objects.count() == 0
    expected = _command(tmp_path, GIFT, "--dry-run")
    assert Question.objects.count() == 0
    assert page.context["summary"] == expected
    assert "Would import 2 question(s) from bank.gift" in expected
    assert expected in page.content.decode()
    token = page.context["token"]
    kept = Path(settings.PRIVATE_MEDIA_ROOT) / "question-imports" / f"{token}.bin"
    assert kept.read_bytes() == GIFT.encode("utf-8")

    done = client.post(IMPORT_URL, {"token": token})
    assert done.status_code == 200 and done.context["imported"]
    assert done.context["summary"].startswith("Imported 2 question(s) from bank.gift")
    assert set(Question.objects.values_list("key", flat=True)) == {"q-plan", "q-tf"}
    assert not kept.exists()
    # The same token cannot import twice.
    again = client.post(IMPORT_URL, {"token": token})
    assert again.context["error"] and Question.objects.count() == 2


def test_a_malformed_file_is_refused_with_file_and_line_and_nothing_kept(client, editor, tmp_path):
    client.force_login(editor)
    page = _upload(client, BROKEN, name="hỏng.gift")
    assert page.status_code == 200
    error = page.context["error"]
    assert error.startswith("hỏng.gift:3:") and error.endswith("nothing imported")
    assert "token" not in page.context
    assert Question.objects.count() == 0
    store = Path(settings.PRIVATE_MEDIA_ROOT) / "question-imports"
    assert not list(store.glob("*.bin"))


def test_unknown_extension_asks_for_the_format(client, editor):
    client.force_login(editor)
    page = _upload(client, GIFT, name="bank.doc")
    assert "bank.doc" in str(page.context["form"].errors["file"])
    page = _upload(client, GIFT, name="bank.doc", format="gift")
    assert page.context["token"]


def test_a_token_is_the_uploader_s_only_and_expires_and_is_checked(client, editor, make_user, tree):
    client.force_login(editor)
    token = _upload(client, GIFT).context["token"]
    other = make_user(role=Role.EDITOR, username="t_editor2", official_agency=tree["province_a"])
    client.force_login(other)
    assert client.post(IMPORT_URL, {"token": token}).context["error"]
    assert Question.objects.count() == 0

    client.force_login(editor)
    store = Path(settings.PRIVATE_MEDIA_ROOT) / "question-imports"
    (store / f"{token}.bin").write_bytes(GIFT.replace("Plan", "Act").encode())  # altered
    assert client.post(IMPORT_URL, {"token": token}).context["error"]
    assert Question.objects.count() == 0

    token = _upload(client, GIFT).context["token"]
    meta = json.loads((store / f"{token}.json").read_text())
    meta["created"] = (
        datetime.datetime.fromisoformat(meta["created"]) - admin_views.IMPORT_TTL
    ).isoformat()
    (store / f"{token}.json").write_text(json.dumps(meta))
    assert client.post(IMPORT_URL, {"token": token}).context["error"]
    assert Question.objects.count() == 0


def test_non_editors_are_refused(client, scoped_editor, learner, trainer):
    for url in (IMPORT_URL, EXPORT_URL):
        client.force_login(scoped_editor)
        assert client.get(url).status_code == 403
        assert client.post(url, {"token": "x"}).status_code == 403
        for user in (learner, trainer):
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(scoped_editor)
    assert _upload(client, GIFT).status_code == 403
    assert Question.objects.count() == 0


def test_export_a_category_as_gift_and_moodle_xml(client, editor, tmp_path):
    _command(tmp_path, GIFT)
    _command(tmp_path, "$CATEGORY: Khác\n::q-other:: Câu khác {T}\n")
    Question.objects.filter(key="q-plan").update(points=Decimal(3), shuffle_choices=False)
    category = Category.objects.get(path="ISO-NT/01")
    Category.objects.filter(pk=category.pk).update(description="<p>Mô tả</p>")
    client.force_login(editor)

    page = client.get(EXPORT_URL, {"category": category.pk, "format": "gift"})
    assert page.status_code == 200
    assert page["Content-Disposition"] == 'attachment; filename="iso-nt-01.gift"'
    parsed = gift.parse(page.content, path="x.gift")
    assert [q.key for q in parsed] == ["q-plan", "q-tf"]

    page = client.get(EXPORT_URL, {"category": category.pk, "format": "moodlexml"})
    assert page["Content-Disposition"] == 'attachment; filename="iso-nt-01.xml"'
    parsed = moodlexml.parse(page.content, path="x.xml")
    assert [q.key for q in parsed] == ["q-plan", "q-tf"]
    plan = parsed[0]
    assert (plan.points, plan.shuffle, plan.category) == (Decimal(3), False, "ISO-NT/01")
    assert plan.category_description == "<p>Mô tả</p>"
    assert [(c.text, c.fraction) for c in plan.choices] == [
        ("Plan", 1),
        ("Do", 0),
        ("Check", 0),
    ]


def test_export_a_quiz(client, editor, tmp_path):
    _command(tmp_path, GIFT)
    quiz = QuizFactory(slug="dau-vao")
    QuizQuestion.objects.create(quiz=quiz, question=Question.objects.get(key="q-tf"))
    client.force_login(editor)
    page = client.get(EXPORT_URL, {"quiz": quiz.pk, "format": "moodlexml"})
    assert [q.key for q in moodlexml.parse(page.content, path="x.xml")] == ["q-tf"]


def test_export_of_nothing_says_so(client, editor):
    client.force_login(editor)
    page = client.get(EXPORT_URL, {"format": "gift"})
    assert page.status_code == 200 and page.context["error"]


# --- editing in the admin -------------------------------------------------------------------


def _edit_data(question, **changes):
    choices = list(question.choices.order_by("order", "pk"))
    rows = changes.pop("choices", None) or [
        {
            "id": c.pk,
            "text": c.text,
            "fraction": str(c.fraction),
            "feedback": c.feedback,
            "tolerance": "",
            "order": c.order,
            "active": "on" if c.active else "",
        }
        for c in choices
    ]
    data = {
        "kind": question.kind,
        "category": question.category_id or "",
        "key": question.key,
        "name": question.name,
        "text": question.text,
        "text_format": question.text_format,
        "points": str(question.points),
        "explanation": question.explanation,
        "shuffle_choices": "on" if question.shuffle_choices else "",
        "correct": "unknown" if question.correct is None else str(question.correct).lower(),
        "feedback_true": question.feedback_true,
        "feedback_false": question.feedback_false,
        "choices": inline_formset(rows, initial=len(choices)),
        **changes,
    }
    for flag in ("shuffle_choices",):
        if not data[flag]:
            data.pop(flag)
    for row_key in list(data["choices"]):
        if row_key.endswith("-active") and not data["choices"][row_key]:
            data["choices"].pop(row_key)
    return nested_form_data(data)


def _post_edit(client, question, **changes):
    return client.post(
        reverse("bank_questions:edit", args=[question.pk]), _edit_data(question, **changes)
    )


def test_editor_edits_a_question_and_finished_attempts_keep_their_history(
    client, editor, learner, trainer, tmp_path
):
    _command(tmp_path, GIFT)
    question = Question.objects.get(key="q-plan")
    quiz = QuizFactory(pass_mark=100)
    QuizQuestion.objects.create(quiz=quiz, question=question)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    response = sitting.responses.get()
    plan = question.choices.get(text="Plan")
    sitting = services.sitting_submit(sitting=sitting, answers={response.pk: [str(plan.pk)]})
    assert (sitting.score, sitting.passed) == (1, True)

    client.force_login(editor)
    assert client.get(reverse("bank_questions:edit", args=[question.pk])).status_code == 200
    choices = list(question.choices.order_by("order", "pk"))
    new_text = "Bước nào hành động khắc phục trong chu trình PDCA?"
    rows = [
        {
            "id": c.pk,
            "text": "Act" if c.text == "Check" else c.text,
            "order": c.order,
            "fraction": "1" if c.text == "Check" else "0",
            "feedback": "",
            "tolerance": "",
            "active": "on",
        }
        for c in choices
    ]
    page = _post_edit(client, question, text=new_text, choices=rows)
    assert page.status_code == 302, page.context["form"].errors
    question.refresh_from_db()
    assert question.text == new_text
    assert question.choices.get(fraction=1).text == "Act"

    sitting.refresh_from_db()
    assert (sitting.score, sitting.percent, sitting.passed) == (1, Decimal(100), True)
    client.force_login(trainer)
    body = client.get(reverse("quizzes:sitting_result", args=[sitting.pk])).content.decode()
    assert "Bước nào lập kế hoạch" in body and new_text not in body
    assert "Act" not in body and "Plan" in body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"points": "5000"}, "points 5000 are outside 0.01..1000"),
        ({"fractions": ("0", "0", "0")}, "no choice earns points"),
        ({"fractions": ("1", "1", "0")}, "2 answers are marked right"),
        ({"kind": "multiple", "fractions": ("0.5", "0.3", "0")}, "add up to 80%, not 100%"),
        ({"fractions": ("1", "-2", "0")}, "weight outside -100%..100%"),
        ({"text": "  "}, "required"),
    ],
)
def test_the_admin_refuses_what_the_importer_refuses(client, editor, tmp_path, change, message):
    _command(tmp_path, GIFT)
    question = Question.objects.get(key="q-plan")
    before = list(question.choices.values_list("text", "fraction"))
    client.force_login(editor)
    fractions = change.pop("fractions", None)
    rows = None
    if fractions:
        rows = [
            {
                "id": c.pk,
                "text": c.text,
                "order": c.order,
                "fraction": f,
                "feedback": "",
                "tolerance": "",
                "active": "on",
            }
            for c, f in zip(question.choices.order_by("order", "pk"), fractions, strict=True)
        ]
    page = _post_edit(client, question, **change, **({"choices": rows} if rows else {}))
    assert page.status_code == 200
    errors = str(page.context["form"].errors) + str(page.context["form"].non_field_errors())
    assert message in errors
    question.refresh_from_db()
    assert list(question.choices.values_list("text", "fraction")) == before
    assert question.points == 1


def test_nan_is_refused(client, editor, tmp_path):
    _command(tmp_path, GIFT)
    question = Question.objects.get(key="q-plan")
    client.force_login(editor)
    rows = [
        {
            "id": c.pk,
            "text": c.text,
            "order": c.order,
            "fraction": "NaN" if i == 0 else "0",
            "feedback": "",
            "tolerance": "",
            "active": "on",
        }
        for i, c in enumerate(question.choices.order_by("order", "pk"))
    ]
    page = _post_edit(client, question, choices=rows)
    assert page.status_code == 200
    assert Choice.objects.filter(question=question, fraction=1, text="Plan").exists()


def test_a_chosen_choice_cannot_be_deleted(client, editor, learner, tmp_path):
    _command(tmp_path, GIFT)
    question = Question.objects.get(key="q-plan")
    quiz = QuizFactory()
    QuizQuestion.objects.create(quiz=quiz, question=question)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    do = question.choices.get(text="Do")
    services.sitting_submit(sitting=sitting, answers={sitting.responses.get().pk: [str(do.pk)]})
    client.force_login(editor)
    rows = [
        {
            "id": c.pk,
            "text": c.text,
            "order": c.order,
            "fraction": str(c.fraction),
            "feedback": "",
            "tolerance": "",
            "active": "on",
            **({"DELETE": "on"} if c == do else {}),
        }
        for c in question.choices.order_by("order", "pk")
    ]
    page = _post_edit(client, question, choices=rows)
    assert page.status_code == 200
    assert "untick" in str(page.context["form"].non_field_errors())
    assert Choice.objects.filter(pk=do.pk).exists()


def test_the_bank_is_listed_for_editors_only(client, editor, scoped_editor, tmp_path):
    _command(tmp_path, GIFT)
    quiz = QuizFactory(title="Bài kiểm tra đầu vào")
    client.force_login(editor)
    assert "q-plan" in client.get(reverse("bank_questions:index")).content.decode()
    assert quiz.title in client.get(reverse("bank_quizzes:index")).content.decode()
    page = client.get(reverse("bank_quizzes:edit", args=[quiz.pk]))
    assert page.status_code == 200 and "review_when" in page.content.decode()
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert IMPORT_URL in menu and EXPORT_URL in menu
    client.force_login(scoped_editor)
    assert client.get(reverse("bank_questions:index")).status_code in (302, 403)
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert IMPORT_URL not in menu


def test_a_used_question_cannot_be_deleted_an_unused_one_can(client, editor, learner, tmp_path):
    _command(tmp_path, GIFT)
    used, unused = Question.objects.get(key="q-plan"), Question.objects.get(key="q-tf")
    quiz = QuizFactory()
    QuizQuestion.objects.create(quiz=quiz, question=used)
    services.sitting_submit(sitting=services.sitting_start(quiz=quiz, user=learner))
    client.force_login(editor)
    page = client.post(reverse("bank_questions:delete", args=[used.pk]))
    assert page.status_code == 302
    assert Question.objects.filter(pk=used.pk).exists()
    page = client.post(reverse("bank_questions:delete", args=[unused.pk]))
    assert page.status_code == 302
    assert not Question.objects.filter(pk=unused.pk).exists()
