"""Role × scope cases for certificates (see tests/core/test_access_matrix.py).

The certificate belongs to the learner of commune A1; outsiders hold the same roles in province B.
"""

from lms.certificates.services import certificate_issue
from tests.factories.courses import build_course
from tests.factories.training import TrainingSessionFactory

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}
MANAGERS = {"iso_secretary", "admin"}


def _code(world):
    course = build_course(lessons=1)
    certificate, _created = certificate_issue(
        source_key="matrix:1", official=world["learner"].official, course=course
    )
    return {"code": certificate.code}


def _session(world):
    return {"pk": TrainingSessionFactory(host_agency=world["commune_a1"], status="closed").pk}


CASES = [
    {"name": "certificates:mine", "allowed": EVERYONE},
    {"name": "certificates:manage", "allowed": MANAGERS},
    {"name": "certificates:detail", "kwargs": _code, "allowed": MANAGERS, "scoped": True},
    {
        "name": "certificates:download",
        "kwargs": _code,
        "allowed": MANAGERS | {"learner"},
        "scoped": True,
    },
    {"name": "certificates:revoke", "kwargs": _code, "allowed": MANAGERS, "scoped": True},
    {"name": "certificates:reissue", "kwargs": _code, "allowed": MANAGERS, "scoped": True},
    {
        "name": "certificates:session_progress",
        "kwargs": _session,
        "allowed": {"trainer", "admin"},
        "scoped": True,
    },
    {"name": "certificates:verify", "kwargs": _code, "allowed": EVERYONE | {"anonymous"}},
]

try:  # the Open Badges cases for their URLs, in the same app folder
    from .access_cases_openbadges import CASES as _OPENBADGES_CASES
except ImportError:
    _OPENBADGES_CASES = []
CASES += _OPENBADGES_CASES
