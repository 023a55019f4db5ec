"""Role × scope cases for the platform's own URLs (see tests/core/test_access_matrix.py)."""

from lms.core.models import Role

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}

CASES = [
    {"path": lambda world: "/", "allowed": EVERYONE | {"anonymous"}},
    {"name": "login", "allowed": EVERYONE | {"anonymous"}},
    {"name": "password_reset", "allowed": EVERYONE | {"anonymous"}},
    {"name": "password_reset_done", "allowed": EVERYONE | {"anonymous"}},
    {"name": "password_reset_complete", "allowed": EVERYONE | {"anonymous"}},
    {
        "name": "password_reset_confirm",
        "kwargs": lambda world: {"uidb64": "MQ", "token": "set-password"},
        "allowed": EVERYONE | {"anonymous"},
    },
    {"name": "password_change", "allowed": EVERYONE},
    {"name": "password_change_done", "allowed": EVERYONE},
    {"name": "logout", "method": "post", "allowed": EVERYONE | {"anonymous"}},
    {
        "name": "set_language",
        "method": "post",
        "data": {"language": "en"},
        "allowed": EVERYONE | {"anonymous"},
    },
    {"name": "javascript-catalog", "allowed": EVERYONE | {"anonymous"}},
    {"name": "account", "allowed": EVERYONE},
    {"path": lambda world: "/admin/", "allowed": {"editor", "admin"}},
    {"path": lambda world: "/django-admin/", "allowed": {"admin"}},
]

# People and roles: platform admins only in the matrix world (provincial administrators, who
# also may, are checked with their subtree in tests/core/test_people_views.py).
CASES += [
    {"name": "people:person_list", "allowed": {"admin"}},
    {
        "name": "people:person_detail",
        "kwargs": lambda world: {"pk": world[Role.LEARNER].official.pk},
        "allowed": {"admin"},
    },
    {
        "name": "people:role_grant",
        "kwargs": lambda world: {"pk": world[Role.LEARNER].official.pk},
        "method": "post",
        "data": lambda world: {"role": Role.TRAINER, "reason": ""},
        "allowed": {"admin"},
    },
    {
        "name": "people:role_revoke",
        "kwargs": lambda world: {
            "pk": world[Role.LEARNER].official.pk,
            "grant_pk": world[Role.LEARNER].role_assignments.get().pk,
        },
        "method": "post",
        "data": {"reason": ""},
        "allowed": {"admin"},
    },
    {
        "name": "people:login_create",
        "kwargs": lambda world: {"pk": world[Role.LEARNER].official.pk},
        "method": "post",
        "allowed": {"admin"},
    },
    {
        "name": "people:activation_resend",
        "kwargs": lambda world: {"pk": world[Role.LEARNER].official.pk},
        "method": "post",
        "allowed": {"admin"},
    },
]

# A background job (a course assigned to a province, invitations) is seen by its author only.
CASES += [
    {
        "name": "bulk_job",
        "kwargs": lambda world: {"pk": _bulk_job(world["trainer"]).pk},
        "allowed": {"trainer"},
    },
]


def _bulk_job(user):
    from lms.core.models import BulkJob

    return BulkJob.objects.create(created_by=user, kind="courses.assign", title="Giao khóa học")
