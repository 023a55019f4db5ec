"""Rotating QR tokens: the pure window logic and the check-in pages end to end."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from lms.training import checkin
from lms.training.attendance import CheckinRead, arrival_status, attendance_arrive
from lms.training.models import (
    Attendance,
    AttendanceChange,
    AttendanceMethod,
    AttendanceStatus,
    SessionStatus,
)
from tests.factories.training_attendance import DayFactory, SessionFactory, attendance_world

T0 = datetime.datetime(2026, 12, 1, 1, 0, 0, tzinfo=datetime.UTC)  # 08:00 in Hà Nội


@pytest.fixture
def world(make_user, tree):
    return attendance_world(make_user, tree)


@pytest.fixture(autouse=True)
def _session_day_is_today(world, monkeypatch):
    """Self check-in is open on the session day only: these tests live on that day."""
    monkeypatch.setattr("lms.training.views_attendance.checkin_today", lambda: world["day"].date)


def _url(day, token):
    return reverse(
        "training:checkin", kwargs={"pk": day.session_id, "day_pk": day.pk, "token": token}
    )


def _text(response):
    return response.content.decode()


def _has(response, message):
    return escape(str(message)) in _text(response)


# --- pure token logic -----------------------------------------------------------------------


def test_token_valid_in_its_window_and_the_next(world):
    day = world["day"]
    start = datetime.datetime.fromtimestamp(checkin.window_index(T0) * 30, tz=datetime.UTC)
    token = checkin.checkin_token_issue(day=day, at=start)
    for seconds in (0, 29, 30, 59):
        assert checkin.checkin_token_verify(
            token=token, day=day, at=start + datetime.timedelta(seconds=seconds)
        )
    with pytest.raises(checkin.TokenError) as err:
        checkin.checkin_token_verify(
            token=token, day=day, at=start + datetime.timedelta(seconds=60)
        )
    assert err.value.code == checkin.EXPIRED


def test_token_changes_every_window(world):
    day = world["day"]
    first = checkin.checkin_token_issue(day=day, at=T0)
    assert checkin.checkin_token_issue(day=day, at=T0 + datetime.timedelta(seconds=30)) != first
    assert len(first) < 40


def test_forged_and_future_tokens_are_invalid(world):
    day = world["day"]
    token = checkin.checkin_token_issue(day=day, at=T0)
    window, mac = token.split(".")
    forged = f"{window}.{'A' * len(mac)}"
    with pytest.raises(checkin.TokenError) as err:
        checkin.checkin_token_verify(token=forged, day=day, at=T0)
    assert err.value.code == checkin.INVALID
    future = checkin.checkin_token_issue(day=day, at=T0 + datetime.timedelta(minutes=5))
    with pytest.raises(checkin.TokenError) as err:
        checkin.checkin_token_verify(token=future, day=day, at=T0)
    assert err.value.code == checkin.INVALID
    for garbage in ("", "nodot", "zz!.ABC"):
        with pytest.raises(checkin.TokenError) as err:
            checkin.checkin_token_verify(token=garbage, day=day, at=T0)
        assert err.value.code == checkin.MALFORMED


def test_token_of_another_session_or_day_is_invalid(world):
    day = world["day"]
    other_day_same_session = DayFactory(session=day.session)
    other_session_day = DayFactory(session=SessionFactory(host_agency=day.session.host_agency))
    for other in (other_day_same_session, other_session_day):
        token = checkin.checkin_token_issue(day=other, at=T0)
        with pytest.raises(checkin.TokenError) as err:
            checkin.checkin_token_verify(token=token, day=day, at=T0)
        assert err.value.code == checkin.INVALID


def test_card_codes_are_personal(world):
    first, second = world["registrations"][:2]
    code = checkin.card_code(registration=first)
    assert checkin.card_code_registration_id(code) == first.pk
    assert checkin.card_code_matches(code=code, registration=first)
    assert not checkin.card_code_matches(code=code, registration=second)
    assert not checkin.card_code_matches(
        code=f"{second.pk}-{code.split('-')[1]}", registration=second
    )


def test_arrival_is_late_after_the_grace_period(world):
    day = world["day"]
    assert (
        arrival_status(day=day, at=T0 + datetime.timedelta(minutes=15)) == AttendanceStatus.PRESENT
    )
    assert arrival_status(day=day, at=T0 + datetime.timedelta(minutes=16)) == AttendanceStatus.LATE


def test_arriving_twice_keeps_one_record_and_the_first_time(world):
    day, registration = world["day"], world["registrations"][0]
    first = attendance_arrive(
        day=day, registration=registration, method=AttendanceMethod.QR, by=None, at=T0
    )
    again = attendance_arrive(
        day=day,
        registration=registration,
        method=AttendanceMethod.QR,
        by=None,
        at=T0 + datetime.timedelta(hours=1),
    )
    assert not first.already and again.already
    assert Attendance.objects.filter(day=day, registration=registration).count() == 1
    assert again.attendance.marked_at == T0
    assert AttendanceChange.objects.filter(attendance=first.attendance).count() == 1


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def at_nine(monkeypatch):
    """Freeze 'now' at 09:00 in Hà Nội on the session day (an hour after the start: late)."""
    moment = T0 + datetime.timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def test_official_checks_in_with_the_displayed_code(client, world):
    day = world["day"]
    client.force_login(world["learner"])
    token = checkin.checkin_token_issue(day=day)
    page = client.get(_url(day, token))
    assert page.status_code == 200 and 'method="post"' in _text(page)
    assert not Attendance.objects.filter(day=day).exists()  # GET writes nothing
    done = client.post(_url(day, token))
    assert done.status_code == 200
    attendance = Attendance.objects.get(day=day, registration=world["registrations"][0])
    assert attendance.status == AttendanceStatus.PRESENT
    assert attendance.method == AttendanceMethod.QR and attendance.marked_by == world["learner"]
    hhmm = timezone.localtime(attendance.marked_at).strftime("%H:%M")
    again = client.post(_url(day, checkin.checkin_token_issue(day=day)))
    assert Attendance.objects.filter(day=day).count() == 1
    assert hhmm in _text(again)
    assert _has(again, gettext("You already checked in at %(time)s.") % {"time": hhmm})


def test_check_in_after_the_grace_period_is_late(client, world, at_nine):
    day = world["day"]
    client.force_login(world["learner"])
    response = client.post(_url(day, checkin.checkin_token_issue(day=day)))
    assert response.status_code == 200
    assert Attendance.objects.get(day=day).status == AttendanceStatus.LATE


def test_expired_screenshot_is_refused(client, world):
    day = world["day"]
    client.force_login(world["learner"])
    old = checkin.checkin_token_issue(day=day, at=timezone.now() - datetime.timedelta(seconds=90))
    for method in (client.get, client.post):
        response = method(_url(day, old))
        assert response.status_code == 400
        assert _has(response, checkin.MESSAGES[checkin.EXPIRED])
    assert not Attendance.objects.exists()


def test_forged_and_foreign_tokens_are_refused(client, world):
    day = world["day"]
    client.force_login(world["learner"])
    window = checkin.checkin_token_issue(day=day).split(".")[0]
    other = DayFactory(session=SessionFactory(host_agency=day.session.host_agency))
    for token in (f"{window}.AAAAAAAAAAAAAAAA", checkin.checkin_token_issue(day=other)):
        response = client.post(_url(day, token))
        assert response.status_code == 400
        assert _has(response, checkin.MESSAGES[checkin.INVALID])
    assert not Attendance.objects.exists()


def test_unregistered_official_is_told_to_see_the_trainer(client, world, make_user, tree):
    from lms.core.models import Role

    stranger = make_user(role=Role.LEARNER, agency=tree["commune_a2"], username="att_stranger")
    client.force_login(stranger)
    day = world["day"]
    response = client.post(_url(day, checkin.checkin_token_issue(day=day)))
    assert response.status_code == 403
    assert _has(
        response,
        gettext("You are not on the list of participants of this session. Please see the trainer."),
    )
    assert not Attendance.objects.exists()


def test_login_in_between_keeps_a_scanned_code(client, world):
    day = world["day"]
    token = checkin.checkin_token_issue(day=day)
    response = client.get(_url(day, token))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(world["learner"])
    assert client.post(_url(day, token)).status_code == 200
    assert Attendance.objects.filter(day=day).count() == 1


@pytest.fixture
def clock(monkeypatch):
    """A frozen 'now' the test moves by hand, at the start of a token window on the day."""
    state = {"now": datetime.datetime.fromtimestamp(checkin.window_index(T0) * 30, tz=datetime.UTC)}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def advance(seconds):
        state["now"] += datetime.timedelta(seconds=seconds)

    return advance


@pytest.mark.parametrize("login_first", [True, False])
def test_opened_code_is_accepted_for_its_60_seconds_only(client, world, clock, login_first):
    """Opening the page (or being sent to log in) does not keep the code alive past its minute."""
    day = world["day"]
    if login_first:
        client.force_login(world["learner"])
    token = checkin.checkin_token_issue(day=day)
    opened = client.get(_url(day, token))
    assert opened.status_code == (200 if login_first else 302)
    client.force_login(world["learner"])
    clock(61)
    response = client.post(_url(day, token))
    assert response.status_code == 400
    assert _has(response, checkin.MESSAGES[checkin.EXPIRED])
    assert not Attendance.objects.exists()


def test_opened_code_is_accepted_within_its_minute(client, world, clock):
    day = world["day"]
    client.force_login(world["learner"])
    token = checkin.checkin_token_issue(day=day)
    assert client.get(_url(day, token)).status_code == 200
    clock(59)
    assert client.post(_url(day, token)).status_code == 200
    assert Attendance.objects.filter(day=day).count() == 1


def test_closed_session_refuses_check_in(client, world):
    day = world["day"]
    day.session.status = SessionStatus.CLOSED
    day.session.save()
    client.force_login(world["learner"])
    response = client.post(_url(day, checkin.checkin_token_issue(day=day)))
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_projector_page_and_poll_show_a_fresh_qr(client, world):
    day = world["day"]
    client.force_login(world["trainer"])
    page = client.get(
        reverse("training:checkin_display", kwargs={"pk": day.session_id, "day_pk": day.pk})
    )
    assert page.status_code == 200 and "<svg" in _text(page)
    qr = client.get(reverse("training:checkin_qr", kwargs={"pk": day.session_id, "day_pk": day.pk}))
    assert qr.status_code == 200 and "<svg" in _text(qr)
    token = checkin.checkin_token_issue(day=day)
    assert token in _text(qr)
    assert len(qr.content) < 40_000


def test_qr_check_in_is_one_read_and_one_write(client, world, django_assert_max_num_queries):
    """The burst of the day: the day, its session, the registration and its row in one read,
    then the attendance row, its history and the reports' pending mark inserted at once. On
    PostgreSQL one statement (2 queries in all, no BEGIN or COMMIT served: autocommit); on
    SQLite one transaction (inside the test's transaction, the savepoint around the three
    INSERTs counts too: 6 queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lms.reports.models import PendingRefresh

    day = world["day"]
    client.force_login(world["learner"])
    url = _url(day, checkin.checkin_token_issue(day=day))
    client.get(reverse("training:session_list"))  # the user is cached from the first request on
    postgres = connection.vendor == "postgresql"
    marks = PendingRefresh.objects.count()
    with (
        django_assert_max_num_queries(2 if postgres else 6),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.post(url)
    assert response.status_code == 200 and "message-success" in _text(response)
    attendance = Attendance.objects.get(day=day)
    assert attendance.registration == world["registrations"][0]
    assert attendance.method == AttendanceMethod.QR and attendance.marked_by == world["learner"]
    assert attendance.status == arrival_status(day=day, at=attendance.marked_at)
    sql = [q["sql"] for q in queries]
    assert "training_attendance" in sql[0] and sql[0].lstrip().startswith("SELECT")
    if postgres:
        assert len(sql) == 2 and sql[1].startswith("WITH ins AS (INSERT INTO")
        for table in ("training_attendance", "training_attendancechange", "reports_pendingrefresh"):
            assert f'INSERT INTO "{table}"' in sql[1]
    else:
        writes = [q for q in sql if q.split()[0] in ("INSERT", "UPDATE", "DELETE")]
        assert len(writes) == 3 and "training_attendance" in writes[0]
        assert "training_attendancechange" in writes[1]
        assert "reports_pendingrefresh" in writes[2]
    change = AttendanceChange.objects.get(attendance=attendance)
    assert (change.old_status, change.new_status) == ("", attendance.status)
    assert (change.changed_by, change.changed_at) == (world["learner"], attendance.marked_at)
    # The reports count it: one pending mark, for this registration.
    assert PendingRefresh.objects.count() == marks + 1
    assert PendingRefresh.objects.order_by("-pk")[0].registrations == [attendance.registration_id]


def test_repeated_scan_is_told_already_from_the_read(client, world, django_assert_num_queries):
    """A second scan (second phone, a reload) is answered from the read: one query, no write."""
    day = world["day"]
    client.force_login(world["learner"])
    url = _url(day, checkin.checkin_token_issue(day=day))
    first = client.post(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):
        again = client.post(url)
    hhmm = timezone.localtime(Attendance.objects.get(day=day).marked_at).strftime("%H:%M")
    assert again.status_code == 200 and "message-success" in _text(again)
    assert _has(again, gettext("You already checked in at %(time)s.") % {"time": hhmm})
    assert Attendance.objects.filter(day=day).count() == 1
    assert AttendanceChange.objects.filter(attendance__day=day).count() == 1
    with django_assert_num_queries(1):  # the confirmation page says so too
        page = client.get(url)
    assert _has(page, gettext("You already checked in at %(time)s.") % {"time": hhmm})


def test_arrival_after_the_read_saw_no_row_keeps_the_first(world):
    """A double tap: both scans read no row; the second's insert is refused by the unique
    constraint and answered with the first row (its time kept), nothing written twice."""
    day, registration = world["day"], world["registrations"][0]
    learner = world["learner"]
    first = attendance_arrive(day=day, registration=registration, method="qr", by=learner)
    later = timezone.now() + datetime.timedelta(minutes=1)
    second = attendance_arrive(
        day=day, registration=registration, method="qr", by=learner, at=later
    )
    assert not first.already and second.already
    assert second.attendance.pk == first.attendance.pk
    assert second.attendance.marked_at == first.attendance.marked_at
    assert Attendance.objects.filter(day=day).count() == 1
    assert AttendanceChange.objects.filter(attendance__day=day).count() == 1


def test_arrival_changes_a_row_the_trainer_marked_absent(client, world):
    """An official marked absent who then scans is marked present or late (and the history
    says so): the read's row is not an arrival, so the write path changes it."""
    from lms.training.attendance import attendance_mark
    from lms.training.models import AttendanceStatus

    day, registration = world["day"], world["registrations"][0]
    attendance_mark(
        day=day,
        registration=registration,
        status=AttendanceStatus.ABSENT,
        method=AttendanceMethod.TRAINER,
        by=world["learner"],
    )
    client.force_login(world["learner"])
    response = client.post(_url(day, checkin.checkin_token_issue(day=day)))
    assert response.status_code == 200 and "message-success" in _text(response)
    row = Attendance.objects.get(day=day)
    assert row.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
    assert row.method == AttendanceMethod.QR
    assert list(row.changes.order_by("pk").values_list("old_status", flat=True)) == [
        "",
        AttendanceStatus.ABSENT,
    ]


def test_invited_official_checking_in_is_registered_on_the_spot(client, world):
    """An invitee who turns up is registered by the check-in (the slower, rarer path)."""
    from lms.training.models import RegistrationStatus

    registration = world["registrations"][0]
    registration.status = RegistrationStatus.INVITED
    registration.save(update_fields=["status"])
    client.force_login(world["learner"])
    day = world["day"]
    assert client.post(_url(day, checkin.checkin_token_issue(day=day))).status_code == 200
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert Attendance.objects.filter(day=day, registration=registration).count() == 1


def test_scan_after_the_trainer_marked_absent_turns_it_into_an_arrival(client, world):
    from lms.training.attendance import attendance_mark

    day = world["day"]
    registration = world["registrations"][0]
    attendance_mark(
        day=day, registration=registration, status="absent", method="trainer", by=world["trainer"]
    )
    client.force_login(world["learner"])
    response = client.post(_url(day, checkin.checkin_token_issue(day=day)))
    assert response.status_code == 200
    attendance = Attendance.objects.get(day=day, registration=registration)
    assert attendance.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
    assert attendance.method == AttendanceMethod.QR
    changes = AttendanceChange.objects.filter(attendance=attendance).order_by("pk")
    assert [c.old_status for c in changes] == ["", "absent"]


def test_qr_code_of_another_day_is_refused(client, world):
    """A code shown ahead of time must not mark anyone present on a day they have not come yet."""
    day = world["day"]
    other = DayFactory(session=day.session, date=day.date + datetime.timedelta(days=7))
    client.force_login(world["learner"])
    response = client.post(_url(other, checkin.checkin_token_issue(day=other)))
    assert response.status_code == 403
    assert not Attendance.objects.filter(day=other).exists()
    assert other.date.strftime("%d/%m/%Y") in response.content.decode()


def test_checkin_read_gives_the_day_its_session_and_the_users_registration(world, make_user, tree):
    from django.contrib.auth.models import AnonymousUser

    from lms.core.models import Role
    from lms.training.attendance import checkin_read
    from lms.training.models import Registration, RegistrationStatus, SessionDay

    day, registration = world["day"], world["registrations"][0]
    read = checkin_read(session_pk=day.session_id, day_pk=day.pk, user=world["learner"])
    found, mine = read.day, read.registration
    assert read.attendance is None  # not checked in yet
    expected = SessionDay.objects.select_related("session").get(pk=day.pk)
    assert (found.pk, found.session_id, found.date) == (day.pk, day.session_id, day.date)
    assert (found.start_time, found.end_time) == (expected.start_time, expected.end_time)
    for name in ("pk", "title", "venue", "status", "late_after_minutes", "checkin_secret"):
        assert getattr(found.session, name) == getattr(expected.session, name), name
    assert mine.pk == registration.pk and mine.status == RegistrationStatus.REGISTERED
    assert mine.session is found.session and mine.session_id == day.session_id
    assert mine.official.full_name == world["learner"].official.full_name
    # A field the check-in does not read is loaded when touched, with its right type.
    assert found.session.created_at == expected.session.created_at
    assert found.session.created_at.tzinfo is not None
    # The token of the day checks out against what was read.
    checkin.checkin_token_verify(token=checkin.checkin_token_issue(day=expected), day=found)

    # Anonymous, a stranger, a declined registration: the day, no registration.
    stranger = make_user(role=Role.LEARNER, agency=tree["commune_a2"], username="att_reader")
    for user in (AnonymousUser(), stranger):
        assert checkin_read(session_pk=day.session_id, day_pk=day.pk, user=user) == (
            CheckinRead(found, None, None)
        )
    Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.DECLINED)
    assert (
        checkin_read(session_pk=day.session_id, day_pk=day.pk, user=world["learner"]).registration
        is None
    )
    Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.INVITED)
    invited = checkin_read(session_pk=day.session_id, day_pk=day.pk, user=world["learner"])
    invited = invited.registration
    assert invited.pk == registration.pk and invited.status == RegistrationStatus.INVITED

    # A day of another session, or ids no row has: nothing.
    other = DayFactory(session=SessionFactory(host_agency=day.session.host_agency))
    learner = world["learner"]
    assert checkin_read(session_pk=other.session_id, day_pk=day.pk, user=learner) == CheckinRead(
        None, None, None
    )
    assert checkin_read(session_pk=day.session_id, day_pk=other.pk, user=learner) == CheckinRead(
        None, None, None
    )
    assert checkin_read(session_pk=day.session_id, day_pk=10**40, user=learner) == CheckinRead(
        None, None, None
    )


def test_a_day_that_is_not_the_sessions_is_not_found(client, world):
    day = world["day"]
    other = DayFactory(session=SessionFactory(host_agency=day.session.host_agency))
    client.force_login(world["learner"])
    token = checkin.checkin_token_issue(day=day)
    for pk, day_pk in ((other.session_id, day.pk), (day.session_id, 10**30)):
        url = reverse("training:checkin", kwargs={"pk": pk, "day_pk": day_pk, "token": token})
        assert client.post(url).status_code == 404
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_check_in_pages_are_lean_pages_of_the_site(client, world, language):
    """The site's stylesheet, language and landmarks; no menu (it is built per user)."""
    from django.utils import translation

    day = world["day"]
    client.force_login(world["learner"])
    url = _url(day, checkin.checkin_token_issue(day=day))
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    pages = [client.get(url, **headers), client.post(url, **headers)]
    pages.append(client.post(_url(day, "0.BAD"), **headers))  # refused
    with translation.override(language):
        words = [gettext("Check in"), gettext("Check in"), gettext("Check-in refused")]
    for page, title in zip(pages, words, strict=True):
        html = _text(page)
        assert f'<html lang="{language}">' in html
        assert "/static/css/site.css" in html and '<main id="main"' in html
        assert f"<title>{escape(title)} " in html and f"<h1>{escape(title)}</h1>" in html
        assert "site-nav" not in html and f'href="{reverse("courses:my_learning")}"' not in html
        assert world["learner"].display_name in html  # who is logged in, in the header
    assert pages[1].status_code == 200 and "message-success" in _text(pages[1])
    assert pages[2].status_code == 400


def test_confirmation_form_carries_a_token_the_csrf_check_accepts(world):
    import re

    from django.test import Client

    day = world["day"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["learner"])
    url = _url(day, checkin.checkin_token_issue(day=day))
    assert client.post(url).status_code == 403  # no token: Django's CSRF refusal
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _text(page)).group(1)
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
    assert Attendance.objects.filter(day=day).count() == 1


def _new_request_with_health_checks(monkeypatch) -> list:
    """A persistent connection as Django leaves it at the start of a request with
    CONN_HEALTH_CHECKS on (a ``SELECT 1`` before the first query); the list counts the checks."""
    from django.db import connection

    checks = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or real())
    monkeypatch.setattr(connection, "health_check_enabled", True)
    connection.health_check_done = False
    return checks


@pytest.mark.django_db(transaction=True)
def test_check_in_read_stands_for_the_health_check(client, world, monkeypatch):
    """The check-in's read is the request's first query without a health check before it; on a
    connection the server dropped it reconnects and runs again (a read: safe), the official is
    checked in all the same."""
    from django.db import OperationalError, connection

    day = world["day"]
    client.force_login(world["learner"])
    url = _url(day, checkin.checkin_token_issue(day=day))
    client.get(reverse("training:session_list"))  # the user is cached from the first request on
    connection.ensure_connection()
    checks = _new_request_with_health_checks(monkeypatch)
    closed, sent = [], []
    real_close = connection.close
    monkeypatch.setattr(connection, "close", lambda: closed.append(1) or real_close())

    def dead_once(execute, sql, params, many, context):
        sent.append(sql)
        if len(sent) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(dead_once):
        response = client.post(url)
    assert response.status_code == 200 and "message-success" in _text(response)
    assert checks == [] and closed == [1]
    assert sent[0] == sent[1] and sent[0].lstrip().startswith("SELECT")
    assert Attendance.objects.filter(day=day).count() == 1


def test_check_in_pages_are_filled_per_official_from_parts_kept_once(client, world, make_user):
    """The page is rendered once per shape and filled per request: each official sees their own
    name, time and token (escaped), never the one before, and the page is the one the template
    renders directly."""
    import re

    from django.template import loader

    from lms.core import skeleton

    day = world["day"]
    session = world["session"]
    session.venue = 'Hội trường "A" <tầng 2>'
    session.save(update_fields=["venue"])
    second = world["registrations"][1].official
    second.full_name = "Trần <b>Văn</b> Đức"
    second.save(update_fields=["full_name"])
    second.user = make_user(username="att_second", full_name="Trần <b>Văn</b> Đức")
    second.save(update_fields=["user"])
    skeleton._kept.clear()
    pages = {}
    for user in (world["learner"], second.user):
        client.force_login(user)
        url = _url(day, checkin.checkin_token_issue(day=day))
        pages[user.pk] = (client.get(url), client.post(url))
    first_get, first_done = (_text(p) for p in pages[world["learner"].pk])
    second_get, second_done = (_text(p) for p in pages[second.user.pk])
    assert "Trần &lt;b&gt;Văn&lt;/b&gt; Đức" in second_done
    assert "Văn&lt;/b&gt; Đức" not in first_done
    assert world["learner"].official.full_name in first_done
    assert world["learner"].official.full_name not in second_done
    assert "Hội trường &quot;A&quot; &lt;tầng 2&gt;" in second_get
    assert "lmsslot" not in first_get + first_done + second_get + second_done
    # confirm and checked-in pages: two shapes for the two officials together
    assert len(skeleton._kept) == 2
    tokens = [
        re.search(r'csrfmiddlewaretoken" value="([^"]+)"', t).group(1)
        for t in (first_get, second_get)
    ]
    assert tokens[0] != tokens[1]
    # the same page as the template renders it with the same values
    attendance = Attendance.objects.get(day=day, registration=world["registrations"][1])
    context = {
        "session": session,
        "day": day,
        "day_date": "01/12/2026",
        "registration": world["registrations"][1],
        "done": attendance,
        "message": re.search(r'role="status">([^<]*)<', second_done).group(1),
        "account_name": second.user.display_name,
        "account_url": reverse("account"),
    }
    from django.utils import translation

    with translation.override("vi"):
        plain = loader.get_template("training/attendance/checkin.html").render(context)
    assert second_done == plain.replace("&amp;#x27;", "&#x27;")
