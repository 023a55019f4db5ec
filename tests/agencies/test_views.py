import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.agencies.models import AgencyKind, Official
from lms.core.models import Role
from tests.factories.agencies import AgencyFactory, AssignmentFactory, SuccessionFactory

HEADER = "staff_code,full_name,agency,start_date\n"


@pytest.fixture
def populated(tree):
    """Province A with officials in its communes, and an old unit merged into commune A1."""
    old = AgencyFactory(
        kind=AgencyKind.COMMUNE, code="", name="Xã Cũ", valid_to=datetime.date(2025, 6, 30)
    )
    SuccessionFactory(predecessor=old, successor=tree["commune_a1"])
    AssignmentFactory(
        agency=old, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2025, 6, 30)
    )
    for index in range(12):
        AgencyFactory(
            parent=tree["province_a"],
            kind=AgencyKind.COMMUNE,
            code=f"910{index + 10}",
            name=f"Xã Thêm {index}",
        )
        AssignmentFactory(agency=tree["commune_a1" if index % 2 else "commune_a2"])
    return tree


def test_list_shows_scope_roots_with_rolled_up_counts(
    client, make_user, populated, django_assert_max_num_queries
):
    steering = make_user(role=Role.STEERING, agency=populated["province_a"])
    client.force_login(steering)
    client.get(reverse("agencies:agency_list"))  # warm-up: Wagtail's user bar creates a profile
    with django_assert_max_num_queries(12):
        response = client.get(reverse("agencies:agency_list"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [agency for agency, _count in rows] == [populated["province_a"]]
    # 12 posted + the steering member's own post; the old commune's official rolls up too.
    assert rows[0][1] == {"current": 13, "lineage": 14}
    assert "Tỉnh Thử B" not in response.content.decode()


def test_list_search_is_paginated_in_a_fixed_number_of_queries(
    client, make_user, populated, django_assert_max_num_queries
):
    admin = make_user(role=Role.ADMIN)
    client.force_login(admin)
    client.get(reverse("agencies:agency_list"))  # warm-up: Wagtail's user bar creates a profile
    with django_assert_max_num_queries(12):
        response = client.get(reverse("agencies:agency_list"), {"q": "Xã"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 16  # a1, a2, b1, 12 more, the old one
    assert len(response.context["rows"]) == 16
    with django_assert_max_num_queries(12):
        client.get(reverse("agencies:agency_list"), {"q": "Thêm"})


def test_detail_counts_predecessors_and_lists_officials(
    client, make_user, populated, django_assert_max_num_queries
):
    steering = make_user(role=Role.STEERING, agency=populated["province_a"])
    client.force_login(steering)
    url = reverse("agencies:agency_detail", args=[populated["commune_a1"].pk])
    client.get(url)  # warm-up: Wagtail's user bar creates a profile
    with django_assert_max_num_queries(18):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["counts"] == {"current": 6, "lineage": 7}
    assert len(response.context["page"].object_list) == 6
    assert "Xã Cũ" in response.content.decode()
    history = client.get(url, {"history": "1"})
    assert len(history.context["page"].object_list) == 7
    with django_assert_max_num_queries(18):  # 15 children, same query count
        province = client.get(reverse("agencies:agency_detail", args=[populated["province_a"].pk]))
    assert province.status_code == 200
    assert len(province.context["children"]) == 15


def test_detail_is_refused_outside_the_scope(client, make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["commune_a1"])
    client.force_login(secretary)
    assert (
        client.get(reverse("agencies:agency_detail", args=[tree["commune_a1"].pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("agencies:agency_detail", args=[tree["commune_a2"].pk])).status_code
        == 403
    )
    assert (
        client.get(reverse("agencies:agency_detail", args=[tree["province_a"].pk])).status_code
        == 403
    )


def _upload(text: str, name: str = "roster.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_secretary_imports_only_inside_own_agency(client, make_user, tree):
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["commune_a1"])
    client.force_login(secretary)
    url = reverse("agencies:import_officials")
    page = client.get(url)
    assert page.status_code == 200 and "staff_code" in page.content.decode()

    response = client.post(
        url, {"file": _upload(HEADER + "S1,Nguyễn Văn An,91001,\nS2,Trần Bình,91002,\n")}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert [(e.row, e.field) for e in result.errors] == [(3, "agency")]
    assert not Official.objects.filter(staff_code__in=["S1", "S2"]).exists()

    response = client.post(url, {"file": _upload(HEADER + "S1,Nguyễn Văn An,91001,01/07/2025\n")})
    assert response.context["result"].ok
    assert response.context["result"].created == 1
    assert Official.objects.get(staff_code="S1").assignments.get().agency == tree["commune_a1"]


def test_unreadable_file_is_reported(client, make_user, tree):
    admin = make_user(role=Role.ADMIN)
    client.force_login(admin)
    response = client.post(
        reverse("agencies:import_officials"), {"file": _upload("name;colour\nAn;red\n")}
    )
    assert response.status_code == 200
    assert response.context["file_error"]
    response = client.post(
        reverse("agencies:import_officials"), {"file": _upload("x", name="roster.pdf")}
    )
    assert response.context["form"].errors


def test_over_size_and_bomb_files_are_reported(client, make_user, tree):
    from tests.core.test_tabular import hand_made_xlsx, named_rows

    admin = make_user(role=Role.ADMIN)
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("agencies:import_officials")
    response = client.post(url, {"file": _upload(HEADER + "S1,An,91001,\n" * 500_000)})
    assert response.context["form"].errors["file"] == ["roster.csv: the file is larger than 5 MB."]
    bomb = SimpleUploadedFile("bomb.xlsx", hand_made_xlsx(named_rows(1_500_000)))
    response = client.post(url, {"file": bomb})
    assert response.status_code == 200
    assert response.context["file_error"].startswith("bomb.xlsx: the file unpacks to more than")
    assert not Official.objects.exists()


def test_large_import_runs_in_the_background_all_or_nothing(
    client, make_user, tree, monkeypatch, django_capture_on_commit_callbacks
):
    from lms.agencies import services
    from lms.agencies.models import ImportJob

    monkeypatch.setattr(services, "BACKGROUND_ROWS", 2)
    secretary = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"])
    client.force_login(secretary)
    url = reverse("agencies:import_officials")
    rows = "S1,Nguyễn Văn An,91001,\nS2,Trần Bình,91002,\nS3,Lê Cường,92001,\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": _upload(HEADER + rows)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "agencies:import_job", args=[job.pk]
    )
    assert (job.status, job.rows, job.content) == (ImportJob.Status.FAILED, 3, b"")
    page = client.get(response["Location"])
    assert [(e.row, e.field) for e in page.context["result"].errors] == [(4, "agency")]
    assert not Official.objects.filter(staff_code__in=["S1", "S2", "S3"]).exists()

    good = rows.replace("92001", "91002")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"file": _upload(HEADER + good)})
    queued = client.get(response["Location"])
    assert queued.context["job"].status == ImportJob.Status.QUEUED
    assert queued.context["result"] is None
    assert not Official.objects.filter(staff_code__in=["S1", "S2", "S3"]).exists()
    for callback in callbacks:
        callback()
    done = client.get(response["Location"])
    assert done.context["result"].ok and done.context["result"].created == 3
    assert Official.objects.filter(staff_code__in=["S1", "S2", "S3"]).count() == 3
    # A second delivery of the task does nothing; another user cannot see the job.
    assert services.import_job_run(job_id=done.context["job"].pk).status == ImportJob.Status.DONE
    other = make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"], username="other")
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404
