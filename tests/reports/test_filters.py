"""Every filter of every dashboard page and export refuses a bad value: 400, the field named,
the value never echoed unescaped, nothing computed or queued."""

import pytest
from django.test import Client
from django.urls import reverse

from lms.core.models import Role
from lms.reports.models import ExportJob

pytestmark = pytest.mark.django_db

SCRIPT = "javascript:alert(1)"
TAG = '"><script>alert(1)</script>'
HOSTILE = [SCRIPT, TAG, "2025-13", "x" * 5000, "NaN", "2025-1", "２０２５-０１", "2025-01\x00"]
# (field, its label in the default language) of the filters every page has.
FIELDS = [
    ("start", "Từ tháng"),
    ("end", "Đến tháng"),
    ("as_of", "Tính đến ngày"),
    ("position_kind", "Loại chức vụ"),
    ("course", "Khóa học"),
    ("competency", "Năng lực"),
]


@pytest.fixture
def steering(make_user, tree):
    return make_user(role=Role.STEERING, agency=tree["province"], official_agency=tree["other"])


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.ADMIN)


def _urls(tree):
    pk = tree["province"].pk
    return [
        reverse("reports:dashboard", args=[pk]),
        reverse("reports:dashboard_pdf", args=[pk]),
        reverse("reports:report", args=[pk, "officials"]),
        reverse("reports:report", args=[pk, "untrained"]),
        reverse("reports:report", args=[pk, "below"]),
        reverse("reports:report", args=[pk, "coverage"]) + "?format=csv",
        reverse("reports:report", args=[pk, "coverage"]) + "?format=xlsx",
        reverse("reports:report", args=[pk, "sessions"]) + "?format=csv",
        reverse("reports:report", args=[pk, "untrained"]) + "?format=xlsx",
    ]


def _get(client, url, params):
    if "?" in url:
        path, query = url.split("?")
        params = {**dict([query.split("=")]), **params}
        url = path
    return client.get(url, params)


def _refused(response, label):
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    errors = html.split('role="alert"')[1].split("</div>")[0]
    assert f">{label}</a>:" in errors, errors
    assert "<script>alert" not in html and "javascript:alert(1)</" not in html
    assert "x" * 200 not in errors  # the value is not repeated in the message
    assert 'id="coverage-table"' not in html and 'id="report-table"' not in html
    return html


@pytest.mark.parametrize("field,label", FIELDS)
def test_each_filter_refuses_each_hostile_value_on_every_page_and_export(
    client, steering, tree, field, label
):
    client.force_login(steering)
    for url in _urls(tree):
        for value in HOSTILE:
            if field == "as_of" and value == "2025-1":
                continue  # not a day either way; covered by the others
            _refused(_get(client, url, {field: value}), label)


def test_a_good_value_is_still_accepted(client, steering, tree):
    client.force_login(steering)
    url = reverse("reports:dashboard", args=[tree["province"].pk])
    response = client.get(url, {"start": "2025-01", "end": "2025-12", "as_of": "2025-04-01"})
    assert response.status_code == 200
    assert [line.agency.name for line in response.context["board"].lines] == ["Sở KH&CN"]


def test_month_order_and_huge_ids_are_refused(client, steering, tree):
    client.force_login(steering)
    url = reverse("reports:dashboard", args=[tree["province"].pk])
    _refused(client.get(url, {"start": "2025-06", "end": "2025-01"}), "Đến tháng")
    for value in ("99999999999999999999999", "-1", "1.5", "0x10"):
        _refused(client.get(url, {"course": value}), "Khóa học")
        _refused(client.get(url, {"competency": value}), "Năng lực")


def test_threshold_of_the_below_list(client, steering, tree):
    client.force_login(steering)
    url = reverse("reports:report", args=[tree["province"].pk, "below"])
    for value in ("101", "-1", "NaN", "50%", SCRIPT, "1" * 5000):
        _refused(client.get(url, {"threshold": value}), "Ngưỡng (%)")
        _refused(client.get(url, {"threshold": value, "format": "csv"}), "Ngưỡng (%)")
    response = client.get(url, {"threshold": "0"})
    assert response.status_code == 200 and response.context["report"].threshold == 0
    assert client.get(url).context["report"].threshold == 80


def test_unknown_export_format_is_refused(client, steering, tree):
    client.force_login(steering)
    url = reverse("reports:report", args=[tree["province"].pk, "coverage"])
    for value in ("pdf", SCRIPT, "CSV "):
        response = client.get(url, {"format": value})
        assert response.status_code == 400
        assert "Định dạng: chọn CSV hoặc XLSX." in response.content.decode()


def test_the_country_pages_refuse_too(client, admin, tree):
    client.force_login(admin)
    for url in (
        reverse("reports:index"),
        reverse("reports:country_pdf"),
        reverse("reports:country_report", args=["coverage"]),
        reverse("reports:country_report", args=["below"]),
    ):
        _refused(client.get(url, {"start": SCRIPT}), "Từ tháng")
        _refused(client.get(url, {"as_of": "NaN"}), "Tính đến ngày")


def test_the_background_export_refuses_and_queues_nothing(client, steering, tree):
    client.force_login(steering)
    url = reverse("reports:export_start", args=[tree["province"].pk])
    for field, label in FIELDS:
        for value in (SCRIPT, "2025-13", "z" * 5000, "NaN"):
            html = _refused(client.post(url, {field: value}), label)
            # The corrected filters are sent to the dashboard (GET), not to the export (POST).
            dashboard = reverse("reports:dashboard", args=[tree["province"].pk])
            assert f'action="{dashboard}"' in html
    assert not ExportJob.objects.exists()


def test_the_refusal_names_the_field_in_english(steering, tree):
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(steering)
    pk = tree["province"].pk
    html = _refused(
        english.get(reverse("reports:dashboard", args=[pk]), {"end": "2025-13"}), "To month"
    )
    assert "Enter a month as YYYY-MM." in html
    below = reverse("reports:report", args=[pk, "below"])
    _refused(english.get(below, {"threshold": "NaN"}), "Threshold (%)")
    html = english.get(below, {"format": "pdf"}).content.decode()
    assert "Format: choose CSV or XLSX." in html
