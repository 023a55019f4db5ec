"""Profile and matrix pages: what they show, the PDF and XLSX, and who may open them."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.agencies.models import PositionKind
from lms.competencies.services import records_recompute
from lms.core.models import Role
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.factories.certificates import CertificateFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def people(make_user, tree, framework, courses):
    """In commune A1: a secretary (awareness met, SMART expiring), an auditor (awareness met,
    audit missing), a specialist with nothing; in province B an official with everything."""
    secretary = make_user(
        role=Role.ISO_SECRETARY,
        agency=tree["commune_a1"],
        username="thu_ky",
        full_name="Lê Thị Thu Hà",
        position=PositionKind.ISO_SECRETARY,
    )
    sec = secretary.official
    sec.staff_code = "A1-001"
    sec.save()
    awareness = CertificateFactory(
        official=sec, course=courses["awareness"], valid_until=TODAY + 60 * DAY
    )
    auditor = OfficialFactory(full_name="Đỗ Văn Kiểm")
    AssignmentFactory(
        official=auditor, agency=tree["commune_a1"], position_kind=PositionKind.INTERNAL_AUDITOR
    )
    CertificateFactory(official=auditor, course=courses["awareness"], valid_until=None)
    specialist = OfficialFactory(full_name="Bùi Thị Mới")
    AssignmentFactory(official=specialist, agency=tree["commune_a2"])
    leaver = OfficialFactory(full_name="Người Đã Nghỉ")
    AssignmentFactory(official=leaver, agency=tree["commune_a1"], end_date=TODAY - DAY)
    outsider = OfficialFactory(full_name="Người Tỉnh Khác")
    AssignmentFactory(official=outsider, agency=tree["commune_b1"])
    CertificateFactory(official=outsider, course=courses["awareness"], valid_until=None)
    records_recompute()
    return {
        "secretary": secretary,
        "sec_certificate": awareness,
        "auditor": auditor,
        "specialist": specialist,
        "leaver": leaver,
        "outsider": outsider,
    }


def _cells(html: str, name: str) -> str:
    start = html.index(name)
    return html[start : html.index("</tr>", start)]


def test_the_official_sees_required_competencies_with_status_and_evidence(client, people):
    client.force_login(people["secretary"])
    response = client.get(reverse("competencies:my_profile"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lê Thị Thu Hà" in html
    assert "Nhận thức về hệ thống quản lý chất lượng" in html
    assert people["sec_certificate"].code in html
    assert "2/2" in html, "two required (awareness, SMART), both held through one certificate"
    awareness_row = _cells(html, 'data-code="NHAN-THUC"')
    assert "badge-warn" in awareness_row, "valid 60 days: expiring within 90"
    assert "badge-warn" in _cells(html, 'data-code="MUC-TIEU"')


def test_the_printable_record_names_agency_date_and_evidence(client, people, tree):
    client.force_login(people["secretary"])
    response = client.get(reverse("competencies:my_profile_pdf"))
    assert response["Content-Type"] == "application/pdf"
    raw = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(raw.split())  # table cells wrap long names over lines
    assert people["sec_certificate"].code in "".join(raw.split())
    for expected in (
        "Lê Thị Thu Hà",
        "Xã A1",
        "HỒ SƠ NĂNG LỰC",
        "Nhận thức về hệ thống quản lý chất lượng",
        "Sắp hết hạn",
        timezone.localdate().strftime("%d/%m/%Y"),  # the day it runs, not collected
        "7.2",
    ):
        assert expected in text, expected


def test_secretary_matrix_lists_the_subtree_posts_with_statuses(client, people, tree, make_user):
    steering = make_user(role=Role.STEERING, agency=tree["province_a"], username="bcd")
    client.force_login(steering)
    response = client.get(reverse("competencies:matrix", kwargs={"pk": tree["province_a"].pk}))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("Lê Thị Thu Hà", "Đỗ Văn Kiểm", "Bùi Thị Mới"):
        assert name in html
    assert "Người Đã Nghỉ" not in html, "a post that ended is out of the matrix"
    assert "Người Tỉnh Khác" not in html
    summary = response.context["summary"]
    by_code = {column.competency.code: column for column in summary}
    # Awareness is required of the 3 current officials + the steering member's own post.
    assert (by_code["NHAN-THUC"].required, by_code["NHAN-THUC"].met) == (4, 1)
    assert by_code["NHAN-THUC"].expiring == 1 and by_code["NHAN-THUC"].missing == 2
    assert (by_code["DGNB"].required, by_code["DGNB"].missing) == (1, 1)

    filtered = client.get(
        reverse("competencies:matrix", kwargs={"pk": tree["province_a"].pk}),
        {"position": PositionKind.INTERNAL_AUDITOR},
    )
    html = filtered.content.decode()
    assert "Đỗ Văn Kiểm" in html and "Lê Thị Thu Hà" not in html
    assert [c.code for c in filtered.context["columns"]] == ["DGNB", "NHAN-THUC"]


def test_the_xlsx_has_every_official_and_the_page_figures(client, people, tree):
    client.force_login(people["secretary"])
    url = reverse("competencies:matrix_xlsx", kwargs={"pk": tree["commune_a1"].pk})
    response = client.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Ma trận năng lực – Xã A1"
    names = [row[0] for row in rows[5:]]  # title, date, position kind, blank, header
    assert sorted(names) == ["Lê Thị Thu Hà", "Đỗ Văn Kiểm"]
    summary = {row[1]: row for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert summary["NHAN-THUC"][2:] == (2, 1, 1, 0)
    page = client.get(reverse("competencies:matrix", kwargs={"pk": tree["commune_a1"].pk}))
    for column in page.context["summary"]:
        figures = summary[column.competency.code][2:]
        assert figures == (column.required, column.met, column.expiring, column.missing)


def test_the_xlsx_keeps_a_formula_like_name_as_text(client, people, tree):
    evil = OfficialFactory(full_name='=HYPERLINK("http://x")')
    AssignmentFactory(official=evil, agency=tree["commune_a1"])
    client.force_login(people["secretary"])
    response = client.get(reverse("competencies:matrix_xlsx", kwargs={"pk": tree["commune_a1"].pk}))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == evil.full_name)
    assert cell.data_type == "s"


def test_someone_outside_the_subtree_is_refused(client, people, tree, make_user):
    outsider = make_user(role=Role.ISO_SECRETARY, agency=tree["province_b"], username="tk_b")
    client.force_login(outsider)
    for name, kwargs in (
        ("competencies:matrix", {"pk": tree["commune_a1"].pk}),
        ("competencies:matrix_xlsx", {"pk": tree["province_a"].pk}),
        ("competencies:official_profile", {"pk": people["auditor"].pk}),
        ("competencies:official_profile_pdf", {"pk": people["auditor"].pk}),
    ):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403, name
    # Inside their own province they see their officials.
    own = client.get(reverse("competencies:official_profile", kwargs={"pk": people["outsider"].pk}))
    assert own.status_code == 200
    # A secretary of commune A1 cannot open the province's matrix (above their scope).
    client.force_login(people["secretary"])
    above = client.get(reverse("competencies:matrix", kwargs={"pk": tree["province_a"].pk}))
    assert above.status_code == 403
    missing = client.get(reverse("competencies:matrix", kwargs={"pk": 987654}))
    assert missing.status_code == 404


def test_the_head_of_an_agency_sees_its_matrix_and_no_other(client, people, tree, make_user):
    head = make_user(agency=tree["commune_a1"], username="chu_tich", position=PositionKind.LEADER)
    client.force_login(head)
    profile = client.get(reverse("competencies:my_profile"))
    matrix_url = reverse("competencies:matrix", kwargs={"pk": tree["commune_a1"].pk})
    assert matrix_url in profile.content.decode(), "the head finds the matrix on their profile"
    assert client.get(matrix_url).status_code == 200
    assert client.get(reverse("competencies:matrix_index")).status_code == 302
    other = reverse("competencies:matrix", kwargs={"pk": tree["commune_a2"].pk})
    assert client.get(other).status_code == 403
    auditor = reverse("competencies:official_profile", kwargs={"pk": people["auditor"].pk})
    assert client.get(auditor).status_code == 200
    specialist = reverse("competencies:official_profile", kwargs={"pk": people["specialist"].pk})
    assert client.get(specialist).status_code == 403


def test_a_learner_cannot_open_a_colleagues_profile_or_the_matrix(client, people, tree, learner):
    client.force_login(learner)
    for url in (
        reverse("competencies:official_profile", kwargs={"pk": people["auditor"].pk}),
        reverse("competencies:matrix", kwargs={"pk": tree["commune_a1"].pk}),
        reverse("competencies:matrix_index"),
    ):
        assert client.get(url).status_code == 403, url


def test_matrix_index_lists_or_redirects(client, people, tree, make_user):
    client.force_login(people["secretary"])
    response = client.get(reverse("competencies:matrix_index"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "competencies:matrix", kwargs={"pk": tree["commune_a1"].pk}
    )
    both = make_user(role=Role.STEERING, agency=tree["province_a"], username="hai_noi")
    from tests.factories.core import RoleAssignmentFactory

    RoleAssignmentFactory(user=both, role=Role.STEERING, agency=tree["province_b"])
    client.force_login(both)
    page = client.get(reverse("competencies:matrix_index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tỉnh Thử A" in html and "Tỉnh Thử B" in html


def test_the_menu_links_to_the_new_pages(client, people):
    client.force_login(people["secretary"])
    html = client.get(reverse("competencies:my_profile")).content.decode()
    assert reverse("competencies:matrix_index") in html
    assert reverse("competencies:my_profile") in html


def test_pages_in_english(client, people, tree):
    client.force_login(people["secretary"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(
        reverse("competencies:matrix", kwargs={"pk": tree["commune_a1"].pk})
    ).content.decode()
    assert "Competency matrix of Xã A1" in html
    assert "Quality management system awareness" in html
