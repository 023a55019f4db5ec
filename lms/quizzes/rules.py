"""Who may do what in the quiz engine."""

from lms.core.access import agency_in_scope, has_role, is_platform_admin, rule
from lms.core.models import Role


def _owns(user, sitting) -> bool:
    official = getattr(sitting, "official", None)
    return bool(official and official.user_id == user.pk)


@rule("quizzes.view_quiz")
def view_quiz(user, quiz) -> bool:
    """Published quizzes for every logged-in user; drafts for editors only."""
    return quiz is None or not quiz.draft or has_role(user, Role.EDITOR)


@rule("quizzes.take_quiz")
def take_quiz(user, quiz) -> bool:
    return view_quiz(user, quiz)


@rule("quizzes.take_sitting")
def take_sitting(user, sitting) -> bool:
    """Only the official who sits the attempt answers it."""
    return _owns(user, sitting)


@rule("quizzes.view_result")
def view_result(user, sitting) -> bool:
    """The official, trainers and ISO secretaries over the sitting's agency, and admins."""
    return _owns(user, sitting) or agency_in_scope(
        user, sitting.agency, Role.TRAINER, Role.ISO_SECRETARY
    )


@rule("quizzes.view_my_results")
def view_my_results(user, obj) -> bool:
    return True


@rule("quizzes.marking_queue")
def marking_queue(user, obj) -> bool:
    return has_role(user, Role.TRAINER)


@rule("quizzes.mark")
def mark(user, response) -> bool:
    """Trainers mark (and remark) answers of officials in their scope; admins everywhere.

    Never one's own attempt: nobody marks their own work."""
    if _owns(user, response.sitting) or response.sitting.user_id == user.pk:
        return False
    if is_platform_admin(user):
        return True
    return has_role(user, Role.TRAINER) and agency_in_scope(
        user, response.sitting.agency, Role.TRAINER
    )


@rule("quizzes.analyse")
def analyse(user, quiz) -> bool:
    """Item analysis: editors over every sitting, trainers and ISO secretaries over their scope."""
    return has_role(user, Role.EDITOR, Role.TRAINER, Role.ISO_SECRETARY)
