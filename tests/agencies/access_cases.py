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
    {
        # The units under it a page at a time (units_page), keeping the officials' page.
        "id": "agencies:agency_detail-units-page",
        "path": lambda world: f"/agencies/{world['province_a'].pk}/?units_page=2&page=1&history=1",
        "allowed": VIEWERS,
    },
    {"name": "agencies:import_officials", "allowed": {"iso_secretary", "admin"}},
    {
        # A background import is seen by the user who started it, and by nobody else.
        "name": "agencies:import_job",
        "kwargs": lambda world: {"pk": _job(world["iso_secretary"]).pk},
        "allowed": {"iso_secretary"},
    },
    {"name": "agencies:change_request_list", "allowed": {"iso_secretary", "admin"}},
    {
        "name": "agencies:change_request_detail",
        "kwargs": lambda world: {"pk": _change_request(world).pk},
        "allowed": {"iso_secretary", "admin"},
        "scoped": True,
    },
    {
        # A forged decision from outside the scope is refused like the page.
        "id": "agencies:change_request_detail-post",
        "name": "agencies:change_request_detail",
        "method": "post",
        "kwargs": lambda world: {"pk": _change_request(world).pk},
        "data": {"decision": "refuse", "reason": "Sai đơn vị"},
        "allowed": {"iso_secretary", "admin"},
        "scoped": True,
    },
]


def _job(user):
    from lms.agencies.models import ImportJob

    return ImportJob.objects.create(created_by=user, filename="danh-sach.csv", rows=3000)


def _change_request(world):
    """A learner of commune A1 asks to move to the province A office."""
    from lms.agencies.models import AgencyChangeRequest, PositionKind

    return AgencyChangeRequest.objects.create(
        official=world["learner"].official,
        current_agency=world["commune_a1"],
        agency=world["province_a"],
        position_kind=PositionKind.SPECIALIST,
    )


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
