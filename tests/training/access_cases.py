"""Role × scope cases for the training-session URLs (attendance URLs: access_cases_attendance)."""

from lms.training.models import SessionStatus

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}
MANAGERS = {"trainer", "admin"}
OFFICIALS_IN_A1 = {"learner", "trainer", "iso_secretary", "steering"}


def _session(world):
    from tests.factories.training import session_with_days

    session = session_with_days(world["commune_a1"], days=2, status=SessionStatus.OPEN, capacity=30)
    session.target_agencies.set([world["commune_a1"]])
    return session


def _pk(world):
    return {"pk": _session(world).pk}


CASES = [
    {"name": "training:session_list", "allowed": EVERYONE},
    {"name": "training:session_create", "allowed": MANAGERS},
    {"name": "training:agency_search", "allowed": MANAGERS},
    {
        "name": "training:session_detail",
        "kwargs": _pk,
        "allowed": OFFICIALS_IN_A1 | {"admin"},
        "scoped": True,
    },
    {"name": "training:session_edit", "kwargs": _pk, "allowed": MANAGERS, "scoped": True},
    {"name": "training:session_copy", "kwargs": _pk, "allowed": MANAGERS, "scoped": True},
    {
        "name": "training:session_invite",
        "kwargs": _pk,
        "method": "post",
        "allowed": MANAGERS,
        "scoped": True,
    },
    {"name": "training:roster_upload", "kwargs": _pk, "allowed": MANAGERS, "scoped": True},
    {
        "name": "training:register",
        "kwargs": _pk,
        "method": "post",
        "allowed": OFFICIALS_IN_A1,
        "scoped": True,
    },
    {
        "name": "training:decline",
        "kwargs": _pk,
        "method": "post",
        "allowed": OFFICIALS_IN_A1,
        "scoped": True,
    },
    {
        "name": "training:cancel",
        "kwargs": _pk,
        "method": "post",
        "allowed": OFFICIALS_IN_A1,
        "scoped": True,
    },
    {
        "name": "training:secretary_register",
        "kwargs": _pk,
        "allowed": {"iso_secretary", "admin"},
        "scoped": True,
    },
    {"name": "training:session_close", "kwargs": _pk, "allowed": MANAGERS, "scoped": True},
    {
        "name": "training:session_report",
        "kwargs": _pk,
        "allowed": MANAGERS | {"steering"},
        "scoped": True,
    },
    {
        "name": "training:session_report_xlsx",
        "kwargs": _pk,
        "allowed": MANAGERS | {"steering"},
        "scoped": True,
    },
    {
        "name": "training:session_report_pdf",
        "kwargs": _pk,
        "allowed": MANAGERS | {"steering"},
        "scoped": True,
    },
]

try:  # the attendance helper's cases for its URLs, in the same app folder
    from .access_cases_attendance import CASES as _ATTENDANCE_CASES
except ImportError:
    _ATTENDANCE_CASES = []
CASES += _ATTENDANCE_CASES
