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
