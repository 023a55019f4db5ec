"""Role × scope cases for the quiz engine (see tests/core/test_access_matrix.py).

Objects belong to the learner of commune A1; outsiders hold the same roles in province B.
"""

from lms.quizzes import services
from tests.factories.quizzes import make_question, make_quiz

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}
MARKERS = {"trainer", "admin"}


def _quiz(world, **kwargs):
    return make_quiz(2, **kwargs)


def _sitting(world, *, submit=False, essay=False):
    quiz = make_quiz(1)
    if essay:
        make_question("essay", quiz=quiz, order=1)
    sitting = services.sitting_start(quiz=quiz, user=world["learner"])
    if submit:
        sitting = services.sitting_submit(sitting=sitting)
    return sitting


def _essay_response(world):
    sitting = _sitting(world, submit=True, essay=True)
    return sitting.responses.get(question__kind="essay")


def _final_response(world):
    return _sitting(world, submit=True).responses.first()


CASES = [
    {"name": "quizzes:quiz_list", "allowed": EVERYONE},
    {"name": "quizzes:my_results", "allowed": EVERYONE},
    {"name": "quizzes:marking_queue", "allowed": MARKERS},
    {
        "name": "quizzes:quiz_detail",
        "kwargs": lambda w: {"slug": _quiz(w).slug},
        "allowed": EVERYONE,
    },
    {
        "id": "quizzes:quiz_detail-draft",
        "name": "quizzes:quiz_detail",
        "kwargs": lambda w: {"slug": _quiz(w, draft=True).slug},
        "allowed": {"editor", "admin"},
    },
    {
        "name": "quizzes:sitting_start",
        "method": "post",
        "kwargs": lambda w: {"slug": _quiz(w).slug},
        "allowed": EVERYONE,
    },
    {
        "id": "quizzes:sitting_start-draft",
        "name": "quizzes:sitting_start",
        "method": "post",
        "kwargs": lambda w: {"slug": _quiz(w, draft=True).slug},
        "allowed": {"editor", "admin"},
    },
    {
        "name": "quizzes:sitting",
        "kwargs": lambda w: {"pk": _sitting(w).pk},
        "allowed": {"learner"},
        "scoped": True,
    },
    {
        "name": "quizzes:sitting_submit",
        "method": "post",
        "kwargs": lambda w: {"pk": _sitting(w).pk},
        "allowed": {"learner"},
        "scoped": True,
    },
    {
        "name": "quizzes:sitting_result",
        "kwargs": lambda w: {"pk": _sitting(w, submit=True).pk},
        "allowed": {"learner", "trainer", "iso_secretary", "admin"},
        "scoped": True,
    },
    {
        "name": "quizzes:response_mark",
        "kwargs": lambda w: {"pk": _essay_response(w).pk},
        "allowed": MARKERS,
        "scoped": True,
    },
    {
        "name": "quizzes:response_remark",
        "kwargs": lambda w: {"pk": _final_response(w).pk},
        "allowed": MARKERS,
        "scoped": True,
    },
    {
        "name": "quizzes:quiz_analysis",
        "kwargs": lambda w: {"slug": _quiz(w).slug},
        "allowed": {"trainer", "iso_secretary", "editor", "admin"},
    },
]

# The question bank in Wagtail's admin (lms/quizzes/viewsets.py): editors of the whole platform
# and administrators; the others are sent to the admin's login page.
BANK = {"editor", "admin"}
CASES += [
    {"id": "admin-question-import", "path": lambda w: "/admin/question_import/", "allowed": BANK},
    {
        "id": "admin-question-import-confirm",
        "path": lambda w: "/admin/question_import/",
        "method": "post",
        "data": {"token": "unknown"},
        "allowed": BANK,
    },
    {"id": "admin-question-export", "path": lambda w: "/admin/question_export/", "allowed": BANK},
    {"id": "admin-bank-questions", "path": lambda w: "/admin/bank_questions/", "allowed": BANK},
    {
        "id": "admin-bank-question-edit",
        "path": lambda w: f"/admin/bank_questions/edit/{make_question().pk}/",
        "allowed": BANK,
    },
    {"id": "admin-bank-quizzes", "path": lambda w: "/admin/bank_quizzes/", "allowed": BANK},
    {
        "id": "admin-bank-quiz-edit",
        "path": lambda w: f"/admin/bank_quizzes/edit/{_quiz(w).pk}/",
        "allowed": BANK,
    },
    {"id": "admin-bank-categories", "path": lambda w: "/admin/bank_categories/", "allowed": BANK},
]
