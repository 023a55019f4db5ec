"""Django admin for the question bank and quizzes (content files are the usual way in)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Category,
    Choice,
    Clause,
    Question,
    Quiz,
    QuizDraw,
    QuizQuestion,
    Remark,
    Sitting,
    Tag,
)


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "category", "points"]
    list_filter = ["kind", "category"]
    search_fields = ["key", "name", "text"]
    autocomplete_fields = ["category"]
    filter_horizontal = ["tags", "clauses"]
    inlines = [ChoiceInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["path", "name"]
    search_fields = ["path", "name"]


admin.site.register(Tag, search_fields=["name"])
admin.site.register(Clause, list_display=["number", "title"], search_fields=["number", "title"])


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    extra = 0
    raw_id_fields = ["question"]


class QuizDrawInline(admin.TabularInline):
    model = QuizDraw
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "pass_mark", "attempts_allowed", "draft"]
    list_filter = ["draft"]
    search_fields = ["title", "slug"]
    inlines = [QuizQuestionInline, QuizDrawInline]


@admin.register(Sitting)
class SittingAdmin(SimpleHistoryAdmin):
    """Read-only: attempts are QMS evidence; scores change through remarks (see History)."""

    list_display = ["quiz", "official", "attempt", "state", "percent", "passed", "submitted_at"]
    list_filter = ["state", "passed"]
    search_fields = ["official__full_name", "quiz__title"]
    list_select_related = ["quiz", "official"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Remark)
class RemarkAdmin(SittingAdmin):
    list_display = ["response", "by", "at", "old_score", "new_score"]
    list_filter = []
    search_fields = ["reason"]
    list_select_related = ["by"]
