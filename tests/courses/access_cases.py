"""Role × scope cases for the courses URLs (see tests/core/test_access_matrix.py)."""

from tests.factories.courses import build_course, lessons_of

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}
ASSIGNERS = {"trainer", "iso_secretary", "steering", "admin"}


def _open_course(world):
    return build_course(lessons=1)


def _closed_course(world):
    return build_course(lessons=1, open_enrolment=False)


CASES = [
    {"name": "courses:my_learning", "allowed": EVERYONE},
    {"name": "courses:catalogue", "allowed": EVERYONE},
    {"name": "courses:search", "data": {"q": "danh gia"}, "allowed": EVERYONE},
    {"name": "courses:assign", "allowed": ASSIGNERS},
    {
        "name": "courses:enrol",
        "method": "post",
        "kwargs": lambda world: {"course_id": _open_course(world).pk},
        "allowed": EVERYONE,
    },
    {
        "id": "courses:enrol-closed",
        "name": "courses:enrol",
        "method": "post",
        "kwargs": lambda world: {"course_id": _closed_course(world).pk},
        "allowed": set(),
    },
    {
        "name": "courses:lesson_done",
        "method": "post",
        "kwargs": lambda world: {"lesson_id": lessons_of(_open_course(world))[0].pk},
        "allowed": EVERYONE,
    },
    {
        "id": "courses:lesson_done-closed",
        "name": "courses:lesson_done",
        "method": "post",
        "kwargs": lambda world: {"lesson_id": lessons_of(_closed_course(world))[0].pk},
        "allowed": set(),
    },
    {
        "id": "courses:lesson-page",
        "path": lambda world: lessons_of(_closed_course(world))[0].url,
        "allowed": {"editor", "admin"},
    },
    {
        "id": "courses:lesson-page-open",
        "path": lambda world: lessons_of(_open_course(world))[0].url,
        "allowed": EVERYONE,
    },
]
