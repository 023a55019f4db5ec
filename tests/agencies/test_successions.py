"""Recording mergers and splits: the service, the admin screen and load_units --successions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from lms.agencies import selectors
from lms.agencies.models import Agency, AgencyKind, Succession
from lms.agencies.services import succession_record, successions_load
from lms.core.tabular import TableError
from tests.factories.agencies import AgencyFactory, AssignmentFactory

REFORM = datetime.date(2025, 7, 1)


@pytest.fixture
def old_units(tree):
    """Two former communes of province A, open (the reform not yet recorded), one post each."""
    x1 = AgencyFactory(
        parent=tree["province_a"],
        kind=AgencyKind.COMMUNE,
        code="91901",
        name="Xã Cũ X1",
        valid_from=datetime.date(2000, 1, 1),
    )
    x2 = AgencyFactory(
        parent=tree["province_a"],
        kind=AgencyKind.COMMUNE,
        code="91902",
        name="Xã Cũ X2",
        valid_from=datetime.date(2000, 1, 1),
    )
    for unit in (x1, x2):
        AssignmentFactory(
            agency=unit, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2025, 6, 30)
        )
    tree["province_a"].refresh_from_db()
    return x1, x2


def test_merger_closes_former_units_and_rolls_up(tree, old_units):
    x1, x2 = old_units
    target = tree["commune_a1"]
    assert selectors.official_count_under(target) == 0
    recorded = succession_record(predecessors=[x1, x2], successors=[target], date=REFORM)
    assert len(recorded) == 2
    for unit in (x1, x2):
        unit.refresh_from_db()
        assert unit.valid_to == datetime.date(2025, 6, 30)
    assert selectors.official_count_under(target) == 2
    # Again: nothing changes.
    succession_record(predecessors=[x1, x2], successors=[target], date=REFORM)
    assert Succession.objects.count() == 2


def test_split_and_refusals(tree, old_units):
    x1, x2 = old_units
    succession_record(
        predecessors=[x1], successors=[tree["commune_a1"], tree["commune_a2"]], date=REFORM
    )
    assert selectors.official_count_under(tree["commune_a2"]) == 1
    with translation.override("en"), pytest.raises(ValidationError) as many:
        succession_record(
            predecessors=[x1, x2], successors=[tree["commune_a1"], tree["commune_a2"]], date=REFORM
        )
    assert "merger" in " ".join(many.value.messages)
    with pytest.raises(ValidationError):  # a unit inside the former one
        succession_record(
            predecessors=[tree["province_b"]], successors=[tree["commune_b1"]], date=REFORM
        )
    with translation.override("en"), pytest.raises(ValidationError) as loop:  # would loop back
        succession_record(predecessors=[tree["commune_a1"]], successors=[x1], date=REFORM)
    assert "loop" in " ".join(loop.value.messages)
    # Nothing of the refused attempts was written.
    assert Succession.objects.count() == 2
    tree["province_b"].refresh_from_db()
    assert tree["province_b"].valid_to is None


def test_admin_records_a_merger(admin_client, tree, old_units):
    x1, x2 = old_units
    response = admin_client.post(
        "/django-admin/agencies/succession/add/",
        {
            "predecessors": [x1.pk, x2.pk],
            "successors": [tree["commune_a1"].pk],
            "date": "01/07/2025",
            "note": "Nghị quyết sáp nhập",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(Succession.objects.values_list("predecessor", "successor")) == {
        (x1.pk, tree["commune_a1"].pk),
        (x2.pk, tree["commune_a1"].pk),
    }
    assert Agency.objects.get(pk=x1.pk).valid_to == datetime.date(2025, 6, 30)
    # A split into a unit inside the former one is refused on the form, nothing written.
    response = admin_client.post(
        "/django-admin/agencies/succession/add/",
        {
            "predecessors": [tree["province_b"].pk],
            "successors": [tree["commune_b1"].pk],
            "date": "01/07/2025",
        },
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert Succession.objects.count() == 2
    assert admin_client.get("/django-admin/agencies/succession/").status_code == 200
    search = admin_client.get("/django-admin/agencies/agency/", {"q": "91901"})
    assert "Xã Cũ X1" in search.content.decode()


def _csv(rows):
    lines = ["predecessor,successor,date,note", *rows]
    return ("\n".join(lines) + "\n").encode()


def test_load_successions_from_csv_and_xlsx(tree, old_units, tmp_path):
    x1, x2 = old_units
    path = tmp_path / "mapping.csv"
    path.write_bytes(_csv(["91901,91001,01/07/2025,NQ 1", "91902,91001,01/07/2025,NQ 1"]))
    call_command("load_units", successions=str(path))
    assert Succession.objects.filter(successor=tree["commune_a1"]).count() == 2
    x1.refresh_from_db()
    assert x1.valid_to == datetime.date(2025, 6, 30)
    # The same file again: resolved against the units in force the day before, all known.
    counts = successions_load(name="mapping.csv", content=path.read_bytes())
    assert (counts.created, counts.unchanged) == (0, 2)
    # XLSX with Vietnamese headers: a split of province B's commune into A2 (a new pair).
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị cũ", "Mã đơn vị mới", "Ngày hiệu lực"])
    sheet.append(["92001", "91002", datetime.date(2025, 7, 1)])
    xlsx = tmp_path / "split.xlsx"
    book.save(xlsx)
    counts = successions_load(name="split.xlsx", content=xlsx.read_bytes())
    assert counts.created == 1
    assert Succession.objects.filter(predecessor=tree["commune_b1"]).exists()


def test_load_successions_errors_name_file_and_row_and_write_nothing(tree, old_units, tmp_path):
    content = _csv(
        [
            "91901,91001,01/07/2025,",  # good
            "99999,91001,01/07/2025,",  # unknown former unit
            "91902,91001,32/07/2025,",  # bad date
            "91001,91001,01/07/2025,",  # resolves to itself? 91001 is in force on both days
        ]
    )
    with translation.override("en"), pytest.raises(TableError) as refused:
        successions_load(name="mapping.csv", content=content)
    errors = refused.value.errors
    assert any("mapping.csv, row 3" in e and "99999" in e for e in errors), errors
    assert any("mapping.csv, row 4" in e and "date" in e for e in errors), errors
    assert any("mapping.csv, row 5" in e for e in errors), errors
    assert not any("row 2" in e for e in errors), errors
    assert Succession.objects.count() == 0
    assert Agency.objects.get(code="91901").valid_to is None
    path = tmp_path / "mapping.csv"
    path.write_bytes(content)
    with translation.override("en"), pytest.raises(CommandError, match="mapping.csv, row 3"):
        call_command("load_units", successions=str(path))
    with pytest.raises(CommandError, match="missing.csv"):
        call_command("load_units", successions=str(tmp_path / "missing.csv"))
