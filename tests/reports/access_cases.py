"""Role × scope cases for the reports app (see tests/core/test_access_matrix.py)."""

import datetime

from django.utils import timezone

from lms.reports.models import ExportJob

# Steering members and ISO secretaries over province A; platform admins everywhere.
VIEWERS = {"iso_secretary", "steering", "admin"}


def _province(world):
    return {"pk": world["province_a"].pk}


def _steering_export(world):
    job = ExportJob.objects.create(
        requested_by=world["steering"],
        agency=world["province_a"],
        status=ExportJob.Status.DONE,
        total=1,
        done=1,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    return {"pk": job.pk}


CASES = [
    {"name": "reports:index", "allowed": VIEWERS},
    {"name": "reports:dashboard", "kwargs": _province, "allowed": VIEWERS, "scoped": True},
    {
        "id": "reports:dashboard-commune",
        "name": "reports:dashboard",
        "kwargs": lambda world: {"pk": world["commune_a1"].pk},
        "allowed": VIEWERS,
        "scoped": True,
    },
    {"name": "reports:dashboard_pdf", "kwargs": _province, "allowed": VIEWERS, "scoped": True},
    {
        "name": "reports:report",
        "kwargs": lambda world: {"pk": world["province_a"].pk, "slug": "officials"},
        "allowed": VIEWERS,
        "scoped": True,
    },
    {
        "id": "reports:report-untrained-xlsx",
        "path": lambda world: f"/reports/{world['province_a'].pk}/untrained/?format=xlsx",
        "allowed": VIEWERS,
    },
    {
        "id": "reports:report-sessions-csv",
        "path": lambda world: f"/reports/{world['commune_a1'].pk}/sessions/?format=csv",
        "allowed": VIEWERS,
    },
    # The untrained list's shortcuts: the assign form (assigners who see the list) and a new
    # session's form (those who also create sessions over the agency: here the admin only).
    {
        "name": "reports:untrained_assign",
        "kwargs": _province,
        "allowed": VIEWERS,
        "scoped": True,
    },
    {
        "id": "reports:untrained_assign-filtered",
        "path": lambda world: (
            f"/reports/{world['province_a'].pk}/untrained/assign/?position_kind=specialist"
        ),
        "allowed": VIEWERS,
    },
    {"name": "reports:untrained_invite", "kwargs": _province, "allowed": {"admin"}},
    {
        "id": "reports:dashboard-page-2",
        "path": lambda world: f"/reports/{world['province_a'].pk}/?page=2&start=2025-01",
        "allowed": VIEWERS,
    },
    {
        "name": "reports:country_report",
        "kwargs": lambda world: {"slug": "coverage"},
        "allowed": {"admin"},
    },
    {"name": "reports:country_pdf", "allowed": {"admin"}},
    {
        "name": "reports:export_start",
        "kwargs": _province,
        "method": "post",
        "allowed": VIEWERS,
        "scoped": True,
    },
    # An export is its requester's alone: not even an admin or a colleague opens it.
    {"name": "reports:export_job", "kwargs": _steering_export, "allowed": {"steering"}},
    {"name": "reports:export_download", "kwargs": _steering_export, "allowed": set()},
]
