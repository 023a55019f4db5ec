"""The dashboard pages and their exports show the subtree's figures and nothing outside it."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from lms.core.models import Role
from lms.reports.models import ExportJob
from lms.reports.reports import CoverageReport
from tests.reports.test_figures import recount

pytestmark = pytest.mark.django_db


@pytest.fixture
def steering(make_user, tree):
    # Their own post is elsewhere so that it does not change the figures.
    return make_user(role=Role.STEERING, agency=tree["province"], official_agency=tree["other"])


def test_dashboard_shows_each_child_and_nothing_outside(client, steering, tree):
    client.force_login(steering)
    response = client.get(reverse("reports:dashboard", args=[tree["province"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("Xã Một", "Phường Hai", "Sở KH&amp;CN"):
        assert name in html
    assert "Tỉnh Khác" not in html and "Ông Ngoài" not in html
    assert "<svg" in html and "<script" not in html.split("</header>")[-1].split("<footer")[0]
    board = response.context["board"]
    expected = recount(tree["province"], timezone.localdate())
    assert {line.agency.name: line.officials for line in board.lines} == {
        name: figures["officials"] for name, figures in expected.items()
    }


def test_officials_report_lists_the_subtree_only(client, steering, tree):
    client.force_login(steering)
    url = reverse("reports:report", args=[tree["province"].pk, "officials"])
    html = client.get(url).content.decode()
    assert "Đặng Thị Một" in html and "An Văn Chuyển" in html
    assert "Ông Ngoài" not in html and "Bùi Thị Nghỉ" not in html
    untrained = client.get(reverse("reports:report", args=[tree["province"].pk, "untrained"]))
    names = [row[0][0] for row in untrained.context["page"].object_list]
    assert "Đỗ Văn Hai" in names and "Đặng Thị Một" not in names


def test_outside_the_scope_is_refused(client, steering, tree):
    client.force_login(steering)
    for url in (
        reverse("reports:dashboard", args=[tree["other"].pk]),
        reverse("reports:report", args=[tree["other"].pk, "officials"]),
        reverse("reports:report", args=[tree["old"].pk, "coverage"]) + "?format=xlsx",
        reverse("reports:country_report", args=["coverage"]),
    ):
        assert client.get(url).status_code == 403, url


def test_coverage_xlsx_and_csv_hold_the_dashboard_figures(client, steering, tree):
    client.force_login(steering)
    url = reverse("reports:report", args=[tree["province"].pk, "coverage"])
    expected = recount(tree["province"], timezone.localdate())
    sheet = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[3]
    with translation.override("vi"):
        columns = CoverageReport(tree["province"]).columns()
        assert header == tuple(str(c) for c in columns)
    by_name = {row[0]: row for row in rows[4:]}
    for name, figures in expected.items():
        assert by_name[name][1] == figures["officials"]
        assert by_name[name][2] == figures["required"]
        assert by_name[name][3] == figures["met"]
    text = client.get(url + "?format=csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    csv_by_name = {row[0]: row for row in table[1:]}
    for name, figures in expected.items():
        assert int(csv_by_name[name][1]) == figures["officials"]


def test_csv_and_xlsx_keep_formula_text_as_text(client, steering, tree):
    tree["people"]["Đặng Thị Một"].full_name = '=HYPERLINK("http://x")'
    tree["people"]["Đặng Thị Một"].save()
    client.force_login(steering)
    url = reverse("reports:report", args=[tree["c1"].pk, "officials"])
    text = client.get(url + "?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_as_of_filter_and_bad_input(client, steering, tree):
    client.force_login(steering)
    url = reverse("reports:dashboard", args=[tree["province"].pk])
    response = client.get(url, {"as_of": "2025-04-01"})
    assert [line.agency.name for line in response.context["board"].lines] == ["Sở KH&CN"]
    response = client.get(url, {"start": "2025-13", "position_kind": "nobody"})
    assert response.status_code == 400  # refused, both fields named (tests/reports/test_filters.py)
    form = response.context["form"]
    assert set(form.errors) == {"start", "position_kind"}
    assert "board" not in response.context


def test_pdf_names_the_agency(client, steering, tree):
    client.force_login(steering)
    response = client.get(reverse("reports:dashboard_pdf", args=[tree["province"].pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_background_export_is_for_the_requester_only(
    client, steering, make_user, tree, django_capture_on_commit_callbacks
):
    client.force_login(steering)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export_start", args=[tree["province"].pk]))
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("reports:export_job", args=[job.pk])
    assert job.status == ExportJob.Status.DONE and job.percent == 100
    page = client.get(reverse("reports:export_job", args=[job.pk])).content.decode()
    assert reverse("reports:export_download", args=[job.pk]) in page
    download = client.get(reverse("reports:export_download", args=[job.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert "coverage" in workbook.sheetnames and "officials" in workbook.sheetnames
    names = [row[0] for row in workbook["officials"].iter_rows(min_row=5, values_only=True)]
    assert "Đặng Thị Một" in names and "Ông Ngoài" not in names
    colleague = make_user(
        role=Role.STEERING, agency=tree["province"], official_agency=tree["other"]
    )
    client.force_login(colleague)
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 403
    job.expires_at = timezone.now()
    job.save()
    client.force_login(steering)
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 404
    # The hourly task removes the expired export and its file even if nobody exports again.
    from pathlib import Path

    from lms.reports.tasks import purge_exports

    stored = Path(job.file.path)
    assert stored.exists()
    assert purge_exports() == 1
    assert not ExportJob.objects.filter(pk=job.pk).exists() and not stored.exists()
