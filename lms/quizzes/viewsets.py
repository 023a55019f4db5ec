"""The question bank and quizzes in Wagtail's admin: listing, inspection and editing.

A question is checked with the importer's own checks (``question_validate`` and
``check_choices``) before it is saved, so a question edited here is one the importer would
accept. Attempts already made keep the question as they showed it (``Response.shown``)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.views.generic.models import DeleteView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_views
from .formats.base import FormatError, ParsedChoice, ParsedQuestion
from .formats.gift import check_choices
from .models import Category, Question, QuestionKind, Quiz, ResponseChoice


def parsed_from_form(data: dict, choices: list[dict]) -> ParsedQuestion:
    """The question being edited in the importer's shape, from the form's cleaned data."""
    category = data.get("category")
    parsed = ParsedQuestion(
        kind=data.get("kind") or "",
        text=data.get("text") or "",
        text_format=data.get("text_format") or "",
        key=data.get("key") or "",
        name=data.get("name") or "",
        correct=data.get("correct"),
        feedback_true=data.get("feedback_true") or "",
        feedback_false=data.get("feedback_false") or "",
        explanation=data.get("explanation") or "",
        category=category.path if category is not None else "",
        tags=[tag.name for tag in data.get("tags") or []],
        clauses=[clause.number for clause in data.get("clauses") or []],
        points=data.get("points") if data.get("points") is not None else Decimal(0),
        shuffle=bool(data.get("shuffle_choices")),
    )
    rows = [
        ParsedChoice(
            text=row.get("text") or "",
            fraction=row.get("fraction") if row.get("fraction") is not None else Decimal(0),
            feedback=row.get("feedback") or "",
            tolerance=row.get("tolerance"),
        )
        for row in choices
    ]
    if parsed.kind == QuestionKind.SHORT:
        parsed.answers = [row.text for row in rows if row.fraction >= 1]
        parsed.partial_answers = [row for row in rows if 0 < row.fraction < 1]
    elif parsed.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.NUMERICAL):
        parsed.choices = rows
    return parsed


def validate_as_importer(parsed: ParsedQuestion) -> None:
    """The importer's checks; raises FormatError with the importer's message."""
    from .services import question_validate

    question_validate(parsed, "")
    if parsed.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        check_choices(parsed, "", "give one answer the fraction 1")


class QuestionForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("choices")
        rows = []
        if formset is not None:
            if not formset.is_valid():
                return cleaned
            for form in formset.forms:
                row = getattr(form, "cleaned_data", None) or {}
                if not row:
                    continue
                if row.get("DELETE"):
                    if (
                        row.get("id") is not None
                        and ResponseChoice.objects.filter(choice=row["id"]).exists()
                    ):
                        raise ValidationError(
                            _(
                                "The choice “%(text)s” was chosen in past attempts and cannot "
                                "be deleted: untick “active” instead."
                            )
                            % {"text": row["id"].text[:60]}
                        )
                    continue
                if row.get("active", True):
                    rows.append(row)
        if self.errors:
            return cleaned
        try:
            validate_as_importer(parsed_from_form(cleaned, rows))
        except FormatError as error:
            raise ValidationError(
                _("The importer would refuse this question: %(message)s")
                % {"message": error.message}
            ) from None
        return cleaned


class KeepUsedDeleteView(DeleteView):
    """Deleting a question, quiz or category that attempts or quizzes still use is refused with
    a message (the database protects them) instead of an error page."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _("“%(object)s” is used by attempts or quizzes and cannot be deleted.")
                % {"object": self.object},
            )
            return redirect(self.index_url_name)


class QuestionViewSet(ModelViewSet):
    delete_view_class = KeepUsedDeleteView
    model = Question
    icon = "help"
    menu_label = gettext_lazy("Questions")
    list_display = ["__str__", "kind", "category", "points", "updated_at"]
    list_filter = ["kind", "category"]
    search_fields = ["key", "name", "text"]
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("kind"), FieldPanel("category")]),
            FieldRowPanel([FieldPanel("key"), FieldPanel("name")]),
            FieldPanel("text"),
            FieldRowPanel([FieldPanel("text_format"), FieldPanel("points")]),
            FieldPanel("explanation"),
            FieldPanel("shuffle_choices"),
            MultiFieldPanel(
                [FieldPanel("correct"), FieldPanel("feedback_true"), FieldPanel("feedback_false")],
                heading=gettext_lazy("True/false"),
            ),
            InlinePanel(
                "choices",
                heading=gettext_lazy("Choices and accepted answers"),
                label=gettext_lazy("Choice"),
                panels=[
                    FieldPanel("text"),
                    FieldRowPanel([FieldPanel("fraction"), FieldPanel("tolerance")]),
                    FieldPanel("feedback"),
                    FieldRowPanel([FieldPanel("order"), FieldPanel("active")]),
                ],
            ),
            FieldPanel("tags"),
            FieldPanel("clauses"),
        ],
        base_form_class=QuestionForm,
    )


class QuizViewSet(ModelViewSet):
    delete_view_class = KeepUsedDeleteView
    model = Quiz
    icon = "list-ol"
    menu_label = gettext_lazy("Quizzes")
    list_display = ["title", "slug", "attempts_allowed", "review_shows", "review_when", "draft"]
    list_filter = ["draft", "review_shows", "review_when"]
    search_fields = ["title", "slug"]
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("slug"),
            FieldPanel("description"),
            FieldPanel("draft"),
            FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("attempts_allowed")]),
            FieldRowPanel([FieldPanel("grading"), FieldPanel("feedback_mode")]),
            FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("closes_at")]),
            MultiFieldPanel(
                [FieldPanel("review_shows"), FieldPanel("review_when")],
                heading=gettext_lazy("Review after submitting"),
            ),
            FieldRowPanel([FieldPanel("random_order"), FieldPanel("partial_credit")]),
            FieldPanel("success_text"),
            FieldPanel("fail_text"),
            InlinePanel(
                "quiz_questions",
                heading=gettext_lazy("Questions"),
                label=gettext_lazy("Question"),
                panels=[FieldPanel("question"), FieldPanel("order")],
            ),
            InlinePanel(
                "draws",
                heading=gettext_lazy("Random draws"),
                label=gettext_lazy("Random draw"),
                panels=[FieldPanel("category"), FieldPanel("count"), FieldPanel("order")],
            ),
        ]
    )


class CategoryViewSet(ModelViewSet):
    delete_view_class = KeepUsedDeleteView
    model = Category
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Question categories")
    list_display = ["path", "name"]
    search_fields = ["path", "name"]
    search_backend_name = None
    copy_view_enabled = False
    form_fields = ["name", "parent", "path", "description"]


class PageViewSet(ViewSet):
    """One admin page (import or export) with its menu entry, shown to whoever may use it."""

    page_view = None
    check = None

    def get_urlpatterns(self):
        return [path("", self.page_view, name="index")]

    @cached_property
    def menu_item_class(self):
        check = self.check
        return type(
            "QuestionBankPageMenuItem",
            (MenuItem,),
            {"is_shown": lambda item, request: check(request.user)},
        )


class QuestionBankGroup(ViewSetGroup):
    menu_label = gettext_lazy("Questions and quizzes")
    menu_icon = "help"
    menu_order = 250
    items = (
        QuestionViewSet("bank_questions"),
        QuizViewSet("bank_quizzes"),
        CategoryViewSet("bank_categories"),
        PageViewSet(
            "question_import",
            menu_label=gettext_lazy("Import questions"),
            icon="download",
            page_view=admin_views.question_import,
            check=admin_views.may_import,
        ),
        PageViewSet(
            "question_export",
            menu_label=gettext_lazy("Export questions"),
            icon="upload",
            page_view=admin_views.question_export,
            check=admin_views.may_export,
        ),
    )
