import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from lms.agencies.models import Assignment, Official, PositionKind
from lms.agencies.roster import read_roster
from lms.agencies.services import officials_import
from lms.core.tabular import TableError
from tests.factories.agencies import AgencyFactory

HEADER_EN = "staff_code,full_name,email,phone,agency,position_kind,position_title,start_date\n"
HEADER_VI = "Mã cán bộ,Họ và tên,Email,Số điện thoại,Đơn vị,Loại vị trí,Chức vụ,Ngày bắt đầu\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def csv_rows(text: str, *, bom: bool = False):
    data = text.encode("utf-8")
    return read_roster(b"\xef\xbb\xbf" + data if bom else data, "roster.csv")


def test_vietnamese_headers_and_bom_are_read():
    rows = csv_rows(
        HEADER_VI + "A1,Nguyễn Văn An,an@example.org,0912,91001,thư ký ISO,Thư ký,01/07/2025\n",
        bom=True,
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row.number, row.staff_code, row.full_name, row.agency) == (
        2,
        "A1",
        "Nguyễn Văn An",
        "91001",
    )
    assert row.position_kind == "thư ký ISO"


def test_unknown_or_missing_columns_are_refused():
    with pytest.raises(TableError, match="unknown columns"):
        csv_rows("full_name,agency,colour\nAn,91,red\n")
    with pytest.raises(TableError, match="missing columns: agency"):
        csv_rows("full_name,email\nAn,a@example.org\n")
    with pytest.raises(TableError):
        read_roster(b"x", "roster.txt")


def test_xlsx_is_read_with_numbers_and_dates():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Ngày bắt đầu"])
    sheet.append([1001, "Trần Thị Bình", 91001, datetime.datetime(2025, 7, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_roster(buffer.getvalue(), "roster.xlsx")
    assert rows[0].staff_code == "1001"
    assert rows[0].agency == "91001"
    assert rows[0].start_date == datetime.datetime(2025, 7, 1)


@pytest.mark.django_db
def test_good_rows_create_officials_and_reimport_changes_nothing(tree):
    text = HEADER_EN + (
        "S1,Nguyễn Văn An,an@example.org,0912000001,91001,iso_secretary,Thư ký ISO,01/07/2025\n"
        "S2,Trần Thị Bình,,,91 / Sở Khoa học và Công nghệ A,Chuyên viên,,15/08/2025\n"
        ",Lê Văn Cường,,,91002,,,\n"
    )
    result = officials_import(rows=csv_rows(text))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.assignments_created) == (3, 0, 3)
    an = Official.objects.get(staff_code="S1")
    post = an.assignments.get()
    assert post.agency == tree["commune_a1"] and post.position_kind == PositionKind.ISO_SECRETARY
    assert post.start_date == datetime.date(2025, 7, 1)
    assert Official.objects.get(staff_code="S2").assignments.get().agency == tree["department"]

    again = officials_import(rows=csv_rows(text))
    assert (again.created, again.updated, again.unchanged, again.assignments_created) == (
        0,
        0,
        3,
        0,
    )
    assert Official.objects.count() == 3


@pytest.mark.django_db
def test_a_move_closes_the_old_post(tree):
    officials_import(rows=csv_rows(HEADER_EN + "S1,Nguyễn Văn An,,,91001,,,01/01/2024\n"))
    result = officials_import(
        rows=csv_rows(HEADER_EN + "S1,Nguyễn Văn An,,,91002,leader,Chủ tịch,01/07/2025\n")
    )
    assert (result.updated, result.assignments_created, result.assignments_closed) == (1, 1, 1)
    posts = Assignment.objects.filter(official__staff_code="S1").order_by("start_date")
    assert [(p.agency.code, p.end_date) for p in posts] == [
        ("91001", datetime.date(2025, 6, 30)),
        ("91002", None),
    ]


@pytest.mark.django_db
def test_any_bad_row_writes_nothing_and_names_every_row(tree):
    text = HEADER_EN + (
        "S1,Nguyễn Văn An,,,91001,,,01/07/2025\n"  # row 2: good
        "S2,,,,91001,,,\n"  # row 3: missing name
        "S3,Trần Bình,,,99999,,,\n"  # row 4: unknown code
        "S4,Lê Cường,,,91001,,,31/02/2025\n"  # row 5: bad date
        "S1,Phạm Dung,,,91001,,,\n"  # row 6: duplicate staff code
        "S6,Hoàng Em,not-an-email,,91001,,,\n"  # row 7: bad email
        "S7,Vũ Giang,,,91001,captain,,\n"  # row 8: bad position kind
        "S8,Đỗ Hà,,,91 / Sở Không Có,,,\n"  # row 9: unknown agency name
    )
    result = officials_import(rows=csv_rows(text))
    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "full_name"),
        (4, "agency"),
        (5, "start_date"),
        (6, "staff_code"),
        (7, "email"),
        (8, "position_kind"),
        (9, "agency"),
    ]
    assert "first on row 2" in result.errors[3].message
    assert not Official.objects.exists()


@pytest.mark.django_db
def test_rows_outside_the_scope_are_errors(tree):
    text = HEADER_EN + "S1,Nguyễn Văn An,,,91001,,,\nS2,Trần Bình,,,92001,,,\n"
    result = officials_import(rows=csv_rows(text), within_agency=tree["province_a"])
    assert [(e.row, e.field) for e in result.errors] == [(3, "agency")]
    assert not Official.objects.exists()


@pytest.mark.django_db
def test_staff_code_of_an_official_elsewhere_cannot_be_taken_over(tree):
    officials_import(rows=csv_rows(HEADER_EN + "S1,Nguyễn Văn An,,,92001,,,\n"))
    result = officials_import(
        rows=csv_rows(HEADER_EN + "S1,Nguyễn Văn An,,,91001,,,\n"), within_agency=tree["province_a"]
    )
    assert [(e.row, e.field) for e in result.errors] == [(2, "staff_code")]


@pytest.mark.django_db
def test_codes_resolve_to_the_unit_valid_on_the_start_date(tree):
    old = AgencyFactory(code="91", name="Tỉnh Cũ", valid_to=datetime.date(2025, 6, 30))
    tree["province_a"].valid_from = datetime.date(2025, 7, 1)
    tree["province_a"].save()
    text = (
        HEADER_EN
        + "S1,An,,,91,,,01/01/2024\nS2,Bình,,,91,,,01/08/2025\nS3,Cường,,,1,,,01/08/2025\n"
    )
    result = officials_import(rows=csv_rows(text))
    assert [(e.row, e.field) for e in result.errors] == [(4, "agency")]  # "1" pads to "01": unknown
    result = officials_import(rows=csv_rows(text.rsplit("S3", 1)[0]))
    assert result.ok
    assert Official.objects.get(staff_code="S1").assignments.get().agency == old
    assert Official.objects.get(staff_code="S2").assignments.get().agency == tree["province_a"]


@pytest.mark.django_db
def test_command_imports_and_fails_loudly(tree, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(HEADER_VI + "S1,Nguyễn Văn An,,,91001,,,\n", encoding="utf-8-sig")
    call_command("import_officials", str(good))
    assert "1 created" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER_EN + "S2,,,,91001,,,\nS3,Bình,,,91001,,,99/99/2025\n", encoding="utf-8")
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_officials", str(bad))
    err = capsys.readouterr().err
    assert "row 2" in err and "row 3" in err and "bad.csv" in err
    assert Official.objects.count() == 1


@pytest.mark.django_db
def test_command_reads_xlsx_with_vietnamese_labels(tree, tmp_path, capsys):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại vị trí", "Ngày bắt đầu"])
    sheet.append(["X1", "Nguyễn Văn An", 91001, "Lãnh đạo", "01/07/2025"])
    sheet.append(["X2", "Trần Thị Bình", "91001", "cán bộ một cửa", datetime.datetime(2025, 8, 1)])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    call_command("import_officials", str(path), "--within", "91")
    assert "2 created" in capsys.readouterr().out
    kinds = dict(Assignment.objects.values_list("official__staff_code", "position_kind"))
    assert kinds == {"X1": PositionKind.LEADER, "X2": PositionKind.ONE_STOP_OFFICER}
    with pytest.raises(CommandError, match="no current unit"):
        call_command("import_officials", str(path), "--within", "77")


def _post(official, agency, start, end=None):
    return Assignment.objects.create(
        official=official, agency=agency, start_date=start, end_date=end
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "posts",
    [
        # An ended post in scope does not count while the current post is in another province.
        [("commune_a1", "2020-01-01", "2023-12-31"), ("commune_b1", "2024-01-01", None)],
        # All posts ended, the last one elsewhere.
        [("commune_a1", "2019-01-01", "2020-12-31"), ("commune_b1", "2021-01-01", "2024-12-31")],
        # Only ended posts elsewhere; a current post ending in the future is still current.
        [("commune_b1", "2020-01-01", "2021-12-31"), ("commune_b1", "2024-01-01", "2099-12-31")],
        # No post at all: nobody's to update.
        [],
    ],
    ids=["ended-in-scope-current-elsewhere", "last-post-elsewhere", "future-end", "no-post"],
)
def test_official_without_a_post_in_scope_is_refused_whatever_the_dates(tree, posts):
    official = Official.objects.create(
        full_name="Ngô Văn Khác", email="khac@b.example.org", staff_code="B1"
    )
    for agency, start, end in posts:
        _post(
            official,
            tree[agency],
            datetime.date.fromisoformat(start),
            end and datetime.date.fromisoformat(end),
        )
    text = HEADER_EN + "S9,Người Mới,,,91001,,,\nB1,Tên Giả,evil@a.example.org,,91001,,,\n"
    result = officials_import(rows=csv_rows(text), within_agency=tree["province_a"])
    assert [(e.row, e.field) for e in result.errors] == [(3, "staff_code")]
    assert "row 3" in str(result.errors[0]) and "B1" in str(result.errors[0])
    official.refresh_from_db()
    assert (official.full_name, official.email) == ("Ngô Văn Khác", "khac@b.example.org")
    assert official.assignments.count() == len(posts)
    assert not Official.objects.filter(staff_code="S9").exists()


@pytest.mark.django_db
def test_official_whose_current_or_last_post_is_in_scope_is_updated(tree):
    current = Official.objects.create(full_name="An", staff_code="C1")
    _post(current, tree["commune_b1"], datetime.date(2018, 1, 1), datetime.date(2019, 12, 31))
    _post(current, tree["commune_a1"], datetime.date(2020, 1, 1))
    _post(current, tree["commune_b1"], datetime.date(2020, 1, 1))  # a second post, elsewhere
    former = Official.objects.create(full_name="Bình", staff_code="L1")
    _post(former, tree["commune_b1"], datetime.date(2018, 1, 1), datetime.date(2019, 12, 31))
    _post(former, tree["commune_a2"], datetime.date(2020, 1, 1), datetime.date(2024, 12, 31))
    text = HEADER_EN + "C1,An Mới,,,91002,,,01/07/2025\nL1,Bình Mới,,,91001,,,01/07/2025\n"
    result = officials_import(rows=csv_rows(text), within_agency=tree["province_a"])
    assert result.ok, result.errors
    assert (result.updated, result.assignments_closed) == (2, 1)
    # The move closed the post in scope only; the post in province B is not the importer's.
    open_posts = set(
        current.assignments.filter(end_date=None).values_list("agency__code", flat=True)
    )
    assert open_posts == {"92001", "91002"}


def test_blank_rows_count_against_the_row_limit(monkeypatch):
    from lms.agencies import roster
    from tests.core.test_tabular import blank_rows, hand_made_xlsx

    monkeypatch.setattr(roster, "MAX_ROWS", 100)
    with pytest.raises(TableError, match="bomb.xlsx, row 102: more than 100 rows"):
        read_roster(hand_made_xlsx(blank_rows(5000)), "bomb.xlsx")
    with pytest.raises(TableError, match="bomb.csv, row 102: more than 100 rows"):
        read_roster(b"full_name,agency\n" + b"\n" * 5000, "bomb.csv")


@pytest.mark.django_db
def test_value_that_passes_row_checks_but_not_the_model_is_a_row_error(tree):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".vn"  # 311 characters, a valid address
    assert len(email) == 311
    text = HEADER_EN + f"S1,Nguyễn Văn An,{email},,91001,,,\n"
    result = officials_import(rows=csv_rows(text))
    assert [(e.row, e.field) for e in result.errors] == [(2, "email")]
    assert "254" in result.errors[0].message
    assert not Official.objects.exists()


@pytest.mark.django_db
def test_background_job_that_crashes_is_marked_refused_not_left_running(
    tree, make_user, monkeypatch
):
    from lms.agencies import services
    from lms.agencies.models import ImportJob

    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "officials_import", crash)
    job = ImportJob.objects.create(
        created_by=make_user(), filename="r.csv", content=HEADER_EN.encode(), rows=1
    )
    with pytest.raises(RuntimeError):
        services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.content) == (ImportJob.Status.FAILED, b"")
    assert (
        services.import_result_from(job.result).errors[0].message.startswith("the import stopped")
    )
