"""A change marks its agencies in ``PendingRefresh`` (one row per committed transaction, nothing
computed in the request); the marks are processed before a dashboard is read, by a debounced
task and by beat, and survive a failed run."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.celery import app
from lms.core.models import Role
from lms.reports import services
from lms.reports.models import AgencySummary, PendingRefresh
from lms.reports.selectors import dashboard
from lms.reports.services import summaries_refresh_pending
from lms.training import checkin
from lms.training.models import Attendance
from tests.factories.agencies import AgencyFactory, AssignmentFactory, OfficialFactory
from tests.factories.training_attendance import DayFactory, RegistrationFactory, SessionFactory
from tests.reports.test_figures import recount, shown

pytestmark = pytest.mark.django_db

SUMMARY_TABLE = AgencySummary._meta.db_table
PENDING_TABLE = PendingRefresh._meta.db_table
# A QR check-in POST, as measured here: session, user, token check, registration, the attendance
# row and its history, and the one mark. (It was 25 when the summary rows were rebuilt in the
# request by eager Celery.)
CHECKIN_QUERIES = 9


def _rows():
    return sorted(
        AgencySummary.objects.values_list(
            "agency_id",
            "position_kind",
            "competency_id",
            "course_id",
            "month",
            "officials",
            "required",
            "met",
            "completions",
            "attendances",
            "expiring",
        ),
        key=repr,
    )


@pytest.fixture
def checkin_day(tree, make_user, monkeypatch):
    """A learner of Xã Một registered for a session held there today; marks processed."""
    learner = make_user(role=Role.LEARNER, agency=tree["c1"], username="pending_learner")
    session = SessionFactory(host_agency=tree["c1"])
    day = DayFactory(session=session, date=timezone.localdate())
    RegistrationFactory(session=session, official=learner.official, agency=tree["c1"])
    monkeypatch.setattr("lms.training.views_attendance.checkin_today", lambda: day.date)
    summaries_refresh_pending()
    assert not PendingRefresh.objects.exists()
    return {"learner": learner, "day": day}


def test_checkin_writes_one_mark_and_computes_nothing(
    client, tree, checkin_day, django_capture_on_commit_callbacks
):
    day = checkin_day["day"]
    client.force_login(checkin_day["learner"])
    url = reverse(
        "training:checkin",
        kwargs={
            "pk": day.session_id,
            "day_pk": day.pk,
            "token": checkin.checkin_token_issue(day=day),
        },
    )
    before = _rows()
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
    assert response.status_code == 200
    assert Attendance.objects.filter(day=day).count() == 1
    sql = [query["sql"] for query in queries.captured_queries]
    assert not [s for s in sql if SUMMARY_TABLE in s]  # no summary row read or written
    assert not [s for s in sql if "training_attendance" in s and s.startswith("SELECT COUNT")]
    # Its own INSERT (SQLite), or part of the check-in's one statement (PostgreSQL).
    into = f"INSERT INTO {connection.ops.quote_name(PENDING_TABLE)}"
    inserts = [s for s in sql if into in s]
    assert len(inserts) == 1 and not [s for s in sql if PENDING_TABLE in s and s not in inserts]
    assert len(sql) <= CHECKIN_QUERIES, "\n".join(sql)
    mark = PendingRefresh.objects.get()
    assert Attendance.objects.get(day=day).registration_id in mark.registrations
    # Nothing rebuilt until the marks are processed; then the figure counts the check-in.
    assert _rows() == before
    attended = shown(dashboard(tree["province"]))["Xã Một"]["attendances"]
    assert summaries_refresh_pending() == 1
    assert not PendingRefresh.objects.exists()
    figures = shown(dashboard(tree["province"]))
    assert figures["Xã Một"]["attendances"] == attended + 1
    assert figures == recount(tree["province"], timezone.localdate())


def test_a_checkin_writes_its_mark_in_its_own_transaction(tree, checkin_day, make_user):
    """The check-in writes its mark with the row: in its one statement on PostgreSQL
    (``lms.core.commit.saved_notes``), at the end of its atomic block elsewhere
    (``lms.core.commit.write_pending()``). The mark is there before any after-commit callback runs
    (one commit, not two); a repeat, refused by the unique constraint, writes no mark."""
    from lms.training.attendance import attendance_arrive
    from lms.training.models import Registration

    day, learner = checkin_day["day"], checkin_day["learner"]
    registration = Registration.objects.get(official__user=learner)
    with CaptureQueriesContext(connection) as queries:
        attendance_arrive(day=day, registration=registration, method="qr", by=learner)
    # No after-commit callback ran (the test's transaction never commits), yet the mark is there.
    assert PendingRefresh.objects.count() == 1
    assert registration.pk in PendingRefresh.objects.get().registrations
    assert sum("INSERT" in q["sql"] and PENDING_TABLE in q["sql"] for q in queries) == 1
    PendingRefresh.objects.all().delete()
    # A second arrival: the unique constraint refuses the row; no new mark is written for it.
    attendance_arrive(day=day, registration=registration, method="qr", by=learner)
    assert not PendingRefresh.objects.exists()
    assert Attendance.objects.filter(day=day, registration=registration).count() == 1


def test_one_mark_per_transaction_however_many_records(tree, django_capture_on_commit_callbacks):
    c1 = tree["c1"]
    with django_capture_on_commit_callbacks(execute=True):
        people = [OfficialFactory() for _ in range(3)]
        for person in people:
            AssignmentFactory(official=person, agency=c1)
    mark = PendingRefresh.objects.get()
    assert mark.officials == sorted(p.pk for p in people) and mark.agencies == [c1.pk]


def test_processing_twice_is_idempotent(tree, django_capture_on_commit_callbacks):
    c1 = tree["c1"]
    expected_before = shown(dashboard(tree["province"]))
    with django_capture_on_commit_callbacks(execute=True):
        AssignmentFactory(official=OfficialFactory(), agency=c1)
    # The same change marked twice (say, a second nudge) rebuilds to the same rows.
    PendingRefresh.objects.create(agencies=[c1.pk])
    assert summaries_refresh_pending() == 2
    rows = _rows()
    assert summaries_refresh_pending() == 0
    PendingRefresh.objects.create(agencies=[c1.pk])
    assert summaries_refresh_pending() == 1
    assert _rows() == rows
    figures = shown(dashboard(tree["province"]))
    assert figures["Xã Một"]["officials"] == expected_before["Xã Một"]["officials"] + 1
    assert figures == recount(tree["province"], timezone.localdate())


def test_a_mark_written_while_processing_is_kept(tree, monkeypatch):
    taken = PendingRefresh.objects.create(agencies=[tree["c1"].pk])
    original = services.summaries_refresh
    late = []

    def refresh_and_meanwhile(**kwargs):
        late.append(PendingRefresh.objects.create(agencies=[tree["c2"].pk]))
        return original(**kwargs)

    monkeypatch.setattr(services, "summaries_refresh", refresh_and_meanwhile)
    assert summaries_refresh_pending() == 1
    assert list(PendingRefresh.objects.values_list("pk", flat=True)) == [late[0].pk]
    assert not PendingRefresh.objects.filter(pk=taken.pk).exists()
    monkeypatch.setattr(services, "summaries_refresh", original)
    assert summaries_refresh_pending() == 1
    assert not PendingRefresh.objects.exists()


def test_processing_is_bounded_per_call(tree):
    for _ in range(5):
        PendingRefresh.objects.create(agencies=[tree["c1"].pk])
    assert summaries_refresh_pending(limit=2) == 2
    assert PendingRefresh.objects.count() == 3
    assert summaries_refresh_pending() == 3


def test_a_framework_change_runs_the_full_refresh_and_clears_older_marks(
    tree, framework, django_capture_on_commit_callbacks
):
    from lms.competencies.models import Requirement

    with django_capture_on_commit_callbacks(execute=True):
        Requirement.objects.filter(competency=framework["awareness"]).delete()
    PendingRefresh.objects.create(agencies=[tree["c1"].pk])
    assert PendingRefresh.objects.filter(everything=True).count() == 1
    AgencySummary.objects.filter(agency=tree["other"]).delete()  # repaired by the full refresh
    summaries_refresh_pending()
    assert not PendingRefresh.objects.exists()
    today = timezone.localdate()
    for root in (tree["province"], tree["other"]):
        assert shown(dashboard(root)) == recount(root, today)


def test_dashboard_shows_a_change_at_once_with_eager_celery(
    client, make_user, tree, django_capture_on_commit_callbacks
):
    assert app.conf.task_always_eager
    steering = make_user(role=Role.STEERING, agency=tree["province"], official_agency=tree["other"])
    client.force_login(steering)
    url = reverse("reports:dashboard", args=[tree["province"].pk])

    def officials():
        board = client.get(url).context["board"]
        return {line.agency.name: line.officials for line in board.lines}["Xã Một"]

    before = officials()
    with django_capture_on_commit_callbacks(execute=True):
        AssignmentFactory(official=OfficialFactory(), agency=tree["c1"])
    assert PendingRefresh.objects.count() == 1  # nothing computed on commit
    assert officials() == before + 1
    assert not PendingRefresh.objects.exists()


def test_dashboard_answers_when_the_refresh_fails(client, make_user, tree, monkeypatch):
    from django.db import DatabaseError

    steering = make_user(role=Role.STEERING, agency=tree["province"], official_agency=tree["other"])
    client.force_login(steering)
    mark = PendingRefresh.objects.create(agencies=[tree["c1"].pk])

    def locked(**kwargs):
        raise DatabaseError("lock timeout")

    monkeypatch.setattr(services, "summaries_refresh", locked)
    response = client.get(reverse("reports:dashboard", args=[tree["province"].pk]))
    assert response.status_code == 200
    assert list(PendingRefresh.objects.all()) == [mark]


def test_export_processes_the_marks_first(tree, make_user):
    steering = make_user(role=Role.STEERING, agency=tree["province"], official_agency=tree["other"])
    PendingRefresh.objects.create(agencies=[tree["c1"].pk])
    job = services.export_job_create(agency=tree["province"], by=steering, params={})
    services.export_job_run(job_id=job.pk)
    assert not PendingRefresh.objects.exists()


def test_beat_runs_the_pending_refresh_every_minute():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "lms.reports.tasks.refresh_pending"
    ]
    assert len(entries) == 1 and entries[0]["schedule"] <= 60
    assert "lms.reports.tasks.refresh_pending" in app.tasks


def test_task_processes_every_mark(tree):
    from lms.reports.tasks import refresh_pending

    for _ in range(3):
        PendingRefresh.objects.create(agencies=[tree["c1"].pk])
    assert refresh_pending.apply().result == 3
    assert not PendingRefresh.objects.exists()


class FakeTask:
    def __init__(self, sent):
        self.sent = sent

    def apply_async(self, **kwargs):
        self.sent(kwargs)


class TestWithABroker:
    """Not eager: the commit queues one delayed task per burst, and a broker down changes
    nothing for the request (the mark is written, beat will process it)."""

    @pytest.fixture(autouse=True)
    def not_eager(self, tree, monkeypatch):
        from django.core.cache import cache

        monkeypatch.setitem(app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
        assert not app.conf.task_always_eager
        cache.delete(services.NUDGE_KEY)
        yield
        cache.delete(services.NUDGE_KEY)

    def test_a_burst_queues_one_delayed_task(
        self, tree, monkeypatch, django_capture_on_commit_callbacks
    ):
        calls = []
        monkeypatch.setattr("lms.reports.tasks.refresh_pending", FakeTask(calls.append))
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                AssignmentFactory(official=OfficialFactory(), agency=tree["c1"])
        assert calls == [{"countdown": services.NUDGE_DELAY}]
        assert PendingRefresh.objects.count() == 3

    def test_broker_down_still_answers_and_keeps_the_mark(
        self, tree, monkeypatch, caplog, django_capture_on_commit_callbacks
    ):
        def down(kwargs):
            raise ConnectionError("broker down")

        monkeypatch.setattr("lms.reports.tasks.refresh_pending", FakeTask(down))
        with django_capture_on_commit_callbacks(execute=True):
            AssignmentFactory(official=OfficialFactory(), agency=tree["c1"])
        assert PendingRefresh.objects.count() == 1
        assert "could not queue the summary refresh" in caplog.text

    def test_a_dashboard_read_leaves_the_full_refresh_to_the_worker(
        self, client, make_user, tree, framework, monkeypatch, django_capture_on_commit_callbacks
    ):
        """A framework change rebuilds every agency: minutes at national scale, so with a worker
        the request processes the other marks and leaves that one to the task."""
        from lms.competencies.models import Requirement

        monkeypatch.setattr("lms.reports.tasks.refresh_pending", FakeTask(lambda kwargs: None))
        partial = services.summaries_refresh

        def refresh(*, agency_ids=None, **kwargs):
            if agency_ids is None:
                pytest.fail("full refresh in a request")
            return partial(agency_ids=agency_ids, **kwargs)

        monkeypatch.setattr(services, "summaries_refresh", refresh)
        with django_capture_on_commit_callbacks(execute=True):
            Requirement.objects.filter(competency=framework["awareness"]).delete()
        with django_capture_on_commit_callbacks(execute=True):
            AssignmentFactory(official=OfficialFactory(), agency=tree["c1"])
        assert PendingRefresh.objects.count() == 2
        steering = make_user(
            role=Role.STEERING, agency=tree["province"], official_agency=tree["other"]
        )
        client.force_login(steering)
        url = reverse("reports:dashboard", args=[tree["province"].pk])
        assert client.get(url).status_code == 200
        assert list(PendingRefresh.objects.values_list("everything", flat=True)) == [True]


@pytest.mark.django_db(transaction=True)
def test_marks_survive_a_failed_processing(monkeypatch):
    """Committed for real: the change commits, its mark is written after; a run that fails
    half-way (the old rows already deleted) rolls back, and the marks stay for the next run."""
    agency = AgencyFactory()
    AssignmentFactory(official=OfficialFactory(), agency=agency)
    assert PendingRefresh.objects.count() >= 1
    summaries_refresh_pending()
    rows = _rows()
    assert AgencySummary.objects.filter(agency=agency).exists()
    AssignmentFactory(official=OfficialFactory(), agency=agency)
    marks = list(PendingRefresh.objects.values_list("pk", flat=True))
    assert len(marks) == 1
    original = services._save_rows

    def fail_after_deleting(rows_, targets, today):
        AgencySummary.objects.filter(agency_id__in=targets).delete()
        raise RuntimeError("worker lost")

    monkeypatch.setattr(services, "_save_rows", fail_after_deleting)
    with pytest.raises(RuntimeError):
        summaries_refresh_pending()
    assert list(PendingRefresh.objects.values_list("pk", flat=True)) == marks
    assert _rows() == rows
    monkeypatch.setattr(services, "_save_rows", original)
    assert summaries_refresh_pending() == 1
    assert not PendingRefresh.objects.exists()
    assert _rows() != rows  # the second official now counts
