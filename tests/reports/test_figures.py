"""Every dashboard figure equals a straightforward recount over the base tables, today (read from
the summary tables kept by the signals) and as of a day before the merger (computed)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from lms.agencies.models import Agency, Assignment, PositionKind, Succession
from lms.certificates.models import Certificate
from lms.competencies.models import Competency, Requirement
from lms.courses.models import Enrolment
from lms.reports.models import AgencySummary
from lms.reports.selectors import Filters, dashboard, officials_status
from lms.reports.services import summaries_refresh
from lms.training.models import Attendance

pytestmark = pytest.mark.django_db


def _resolve(agency, day):
    """Follow successions dated by ``day`` from the unit or its nearest ancestor."""
    while True:
        for node in [agency, *reversed(list(agency.get_ancestors()))]:
            succession = (
                Succession.objects.filter(predecessor=node, date__lte=day).order_by("date").first()
            )
            if succession:
                agency = succession.successor
                break
        else:
            return agency


def _held(cert, day):
    if cert.issued_on > day:
        return False
    if cert.status == "revoked" and timezone.localtime(cert.revoked_at).date() <= day:
        return False
    return cert.valid_until is None or cert.valid_until >= day


def recount(root, day, position_kind=""):
    """Per child agency valid on ``day`` (by name): officials, required, met, completions,
    attendances, expiring certificates."""
    children = [c for c in root.get_children() if c.is_valid_on(day)]
    result = {
        c.name: dict.fromkeys(
            ["officials", "required", "met", "completions", "attendances", "expiring"], 0
        )
        for c in children
    }

    def child_name(agency):
        agency = _resolve(agency, day)
        for child in children:
            if agency.path.startswith(child.path):
                return child.name
        return None

    needs = {}
    for requirement in Requirement.objects.all():
        needs.setdefault(requirement.position_kind, set()).add(requirement.competency_id)
    grants = {c.pk: set(c.courses.values_list("pk", flat=True)) for c in Competency.objects.all()}
    kinds = {}
    for official_id in set(Assignment.objects.values_list("official_id", flat=True)):
        posts = [
            p
            for p in Assignment.objects.filter(official_id=official_id)
            if p.start_date <= day and (p.end_date is None or p.end_date >= day)
        ]
        if not posts:
            continue
        main = max(posts, key=lambda p: (p.start_date, p.pk))
        kinds[official_id] = main.position_kind
        name = child_name(main.agency)
        if name is None or (position_kind and main.position_kind != position_kind):
            continue
        figures = result[name]
        figures["officials"] += 1
        certs = [c for c in Certificate.objects.filter(official_id=official_id) if _held(c, day)]
        courses = {c.course_id for c in certs}
        figures["expiring"] += sum(
            1 for c in certs if c.valid_until and c.valid_until <= day + datetime.timedelta(days=90)
        )
        for competency_id in needs.get(main.position_kind, ()):
            figures["required"] += 1
            figures["met"] += bool(grants[competency_id] & courses)
    for enrolment in Enrolment.objects.exclude(completed_at=None):
        if timezone.localtime(enrolment.completed_at).date() > day:
            continue
        name = child_name(enrolment.agency)
        if name and (not position_kind or kinds.get(enrolment.official_id) == position_kind):
            result[name]["completions"] += 1
    attended = set()
    for attendance in Attendance.objects.filter(status__in=["present", "late"]):
        if attendance.day.date <= day:
            attended.add(attendance.registration)
    for registration in attended:
        name = child_name(registration.agency)
        if name and (not position_kind or kinds.get(registration.official_id) == position_kind):
            result[name]["attendances"] += 1
    return result


def shown(board):
    return {
        line.agency.name: {
            "officials": line.officials,
            "required": line.required_total,
            "met": line.met_total,
            "completions": line.completions,
            "attendances": line.attendances,
            "expiring": line.expiring,
        }
        for line in board.lines
    }


def test_signals_keep_the_summaries_equal_to_a_recount(tree):
    today = timezone.localdate()
    province = tree["province"]
    expected = recount(province, today)
    # The signals fired while the tree was built: nothing was rebuilt by hand.
    assert shown(dashboard(province)) == expected
    assert expected["Phường Hai"]["officials"] == 2  # the one moved in and the two-post one
    assert expected["Phường Hai"]["completions"] == 2  # made under the closed commune
    assert expected["Xã Một"]["attendances"] == 1
    assert expected["Xã Một"]["expiring"] == 1
    summaries_refresh()
    assert shown(dashboard(province)) == expected


def test_full_refresh_command_matches_the_recount(tree):
    AgencySummary.objects.all().delete()
    call_command("refresh_report_summaries", verbosity=0)
    today = timezone.localdate()
    for root in (tree["province"], tree["other"], tree["c1"]):
        assert shown(dashboard(root)) == recount(root, today)


def test_as_of_before_the_merger_shows_the_old_tree(tree):
    day = datetime.date(2025, 4, 1)
    board = dashboard(tree["old"], Filters(as_of=day))
    expected = recount(tree["old"], day)
    assert shown(board) == expected
    assert expected["Huyện Cũ"] == {
        "officials": 3,
        "required": 3,
        "met": 2,
        "completions": 2,
        "attendances": 2,
        "expiring": 0,
    }
    # The new communes did not exist then; nothing of the old province counts under the new one.
    board = dashboard(tree["province"], Filters(as_of=day))
    assert [line.agency.name for line in board.lines] == ["Sở KH&CN"]
    assert board.total.officials == board.total.completions == 0


def test_as_of_today_equals_the_summaries(tree):
    today = timezone.localdate()
    for root in (tree["province"], tree["c2"]):
        assert shown(dashboard(root, Filters(as_of=today))) == shown(dashboard(root))


def test_position_kind_filter(tree):
    today = timezone.localdate()
    kind = PositionKind.INTERNAL_AUDITOR
    board = dashboard(tree["province"], Filters(position_kind=kind))
    assert shown(board) == recount(tree["province"], today, position_kind=kind)
    assert board.total.officials == 1


def test_competency_course_and_period_filters(tree, framework, courses):
    province = tree["province"]
    awareness = framework["awareness"]
    board = dashboard(province, Filters(competency_id=awareness.pk))
    assert [c.pk for c in board.competencies] == [awareness.pk]
    # Awareness is required of everyone: 4 officials, held by the moved one and the first.
    assert (board.total.required_total, board.total.met_total) == (4, 2)
    audit = courses["audit"]
    board = dashboard(province, Filters(course_id=audit.pk))
    assert (board.total.completions, board.total.attendances) == (0, 1)
    board = dashboard(province, Filters(start=datetime.date(2025, 9, 1)))
    assert board.total.attendances == 1  # the March 2025 session is before the period
    months = {m for m, _c, _a in board.months}
    assert all(m >= datetime.date(2025, 9, 1) for m in months)


def test_dashboard_reads_a_fixed_number_of_queries(tree, django_assert_max_num_queries):
    province = Agency.objects.get(pk=tree["province"].pk)
    with django_assert_max_num_queries(4):
        dashboard(province)


def test_officials_status_lists_the_subtree_with_their_gaps(tree):
    lines = officials_status(tree["c1"])
    assert [line.official.full_name for line in lines] == ["Đặng Thị Một", "Đỗ Văn Hai"]
    one, two = lines
    assert one.status == "met" and one.expiring == 1 and one.completions == 1
    assert two.status == "missing" and len(two.missing) == 2 and two.attendances == 1
    names = {line.official.full_name for line in officials_status(tree["province"])}
    assert "Ông Ngoài" not in names and "Bùi Thị Nghỉ" not in names
