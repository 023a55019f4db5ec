"""Role × scope cases for the agencies app (see tests/core/test_access_matrix.py)."""

VIEWERS = {"trainer", "iso_secretary", "steering", "admin"}

CASES = [
    {"name": "agencies:agency_list", "allowed": VIEWERS},
    {
        "name": "agencies:agency_detail",
        "kwargs": lambda world: {"pk": world["commune_a1"].pk},
        "allowed": VIEWERS,
        "scoped": True,
    },
    {
        "id": "agencies:agency_detail-province",
        "name": "agencies:agency_detail",
        "kwargs": lambda world: {"pk": world["province_a"].pk},
        "allowed": VIEWERS,
        "scoped": True,
    },
    {"name": "agencies:import_officials", "allowed": {"iso_secretary", "admin"}},
    {
        # A background import is seen by the user who started it, and by nobody else.
        "name": "agencies:import_job",
        "kwargs": lambda world: {"pk": _job(world["iso_secretary"]).pk},
        "allowed": {"iso_secretary"},
    },
]


def _job(user):
    from lms.agencies.models import ImportJob

    return ImportJob.objects.create(created_by=user, filename="danh-sach.csv", rows=3000)


def _ticked(world):
    from lms.agencies.models import Official

    official = Official.objects.create(full_name="Phan Văn Chọn", email="chon@example.org")
    official.assignments.create(agency=world["commune_a1"])
    return {"official": [official.pk]}


CASES.append(
    {
        # Logins for officials ticked on the agency page: secretaries in scope and admins.
        "name": "agencies:create_accounts",
        "kwargs": lambda world: {"pk": world["commune_a1"].pk},
        "method": "post",
        "data": _ticked,
        "allowed": {"iso_secretary", "admin"},
        "scoped": True,
    }
)
