"""The question bank's place in Wagtail's admin: a menu with questions, quizzes, categories,
import and export (editors, through the quizzes app's model permissions)."""

from wagtail import hooks

from .viewsets import QuestionBankGroup


@hooks.register("register_admin_viewset")
def register_question_bank():
    return QuestionBankGroup()
