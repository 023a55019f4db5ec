"""Role × scope cases for the competencies app (see tests/core/test_access_matrix.py)."""

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}
MATRIX = {"iso_secretary", "steering", "admin"}
# The learner's own profile: the learner, and those who may see their agency's matrix.
PROFILE = {"learner", "iso_secretary", "steering", "admin"}


def _learner_official(world):
    return {"pk": world["learner"].official.pk}


CASES = [
    {"name": "competencies:my_profile", "allowed": EVERYONE},
    {"name": "competencies:my_profile_pdf", "allowed": EVERYONE},
    {
        "name": "competencies:official_profile",
        "kwargs": _learner_official,
        "allowed": PROFILE,
        "scoped": True,
    },
    {
        "name": "competencies:official_profile_pdf",
        "kwargs": _learner_official,
        "allowed": PROFILE,
        "scoped": True,
    },
    {"name": "competencies:matrix_index", "allowed": MATRIX},
    {
        "name": "competencies:matrix",
        "kwargs": lambda world: {"pk": world["commune_a1"].pk},
        "allowed": MATRIX,
        "scoped": True,
    },
    {
        "id": "competencies:matrix-province",
        "name": "competencies:matrix",
        "kwargs": lambda world: {"pk": world["province_a"].pk},
        "allowed": MATRIX,
        "scoped": True,
    },
    {
        "name": "competencies:matrix_xlsx",
        "kwargs": lambda world: {"pk": world["province_a"].pk},
        "allowed": MATRIX,
        "scoped": True,
    },
]
