"""Marking attendance: the service, the trainer's roster page, card scans and walk-ins."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from lms.core.models import Role
from lms.training import checkin
from lms.training.attendance import (
    AttendanceError,
    SessionClosedError,
    attendance_mark,
    day_counts,
    walkin_add,
    walkin_match,
)
from lms.training.models import (
    Attendance,
    AttendanceChange,
    AttendanceMethod,
    AttendanceStatus,
    Registration,
    SessionStatus,
    WalkIn,
)
from tests.factories.agencies import AssignmentFactory, OfficialFactory
from tests.factories.training_attendance import (
    DayFactory,
    RegistrationFactory,
    SessionFactory,
    attendance_world,
)


@pytest.fixture
def world(make_user, tree):
    return attendance_world(make_user, tree, officials=5)


def _kw(day):
    return {"pk": day.session_id, "day_pk": day.pk}


# --- the service ----------------------------------------------------------------------------


def test_mark_is_idempotent_and_every_change_is_kept(world):
    day, registration, trainer = world["day"], world["registrations"][1], world["trainer"]
    first = attendance_mark(
        day=day, registration=registration, status="absent", method="trainer", by=trainer
    )
    repeat = attendance_mark(
        day=day, registration=registration, status="absent", method="trainer", by=trainer
    )
    changed = attendance_mark(
        day=day, registration=registration, status="late", method="sheet", by=trainer
    )
    assert first.created and not repeat.changed and changed.changed
    assert Attendance.objects.filter(day=day, registration=registration).count() == 1
    history = list(
        AttendanceChange.objects.filter(attendance=first.attendance).values_list(
            "old_status", "new_status", "method"
        )
    )
    assert history == [("", "absent", "trainer"), ("absent", "late", "sheet")]
    row = Attendance.objects.get(pk=first.attendance.pk)
    assert (row.status, row.method, row.marked_by) == ("late", "sheet", trainer)


def test_closed_session_refuses_changes(world):
    day = world["day"]
    day.session.status = SessionStatus.CLOSED
    day.session.save()
    with pytest.raises(SessionClosedError):
        attendance_mark(
            day=day,
            registration=world["registrations"][0],
            status="present",
            method="trainer",
            by=None,
        )
    with pytest.raises(SessionClosedError):
        walkin_add(day=day, full_name="Vũ Văn Khách", by=None)
    assert not Attendance.objects.exists()


def test_registration_of_another_session_is_refused(world):
    other = RegistrationFactory(session=SessionFactory(host_agency=world["session"].host_agency))
    with pytest.raises(AttendanceError):
        attendance_mark(
            day=world["day"], registration=other, status="present", method="trainer", by=None
        )


# --- the trainer's roster page --------------------------------------------------------------


def test_roster_page_lists_officials_with_counts(client, world, django_assert_max_num_queries):
    day = world["day"]
    attendance_mark(
        day=day, registration=world["registrations"][1], status="late", method="trainer", by=None
    )
    client.force_login(world["trainer"])
    url = reverse("training:attendance_take", kwargs=_kw(day))
    client.get(url)  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Thị Hồng Nhung" in html and "Trần Văn Đức" in html
    assert 'id="att-counts"' in html
    assert html.count('class="att-row"') == 5


def test_roster_query_count_does_not_grow_with_the_roster(
    client, world, tree, django_assert_max_num_queries
):
    day = world["day"]
    for index in range(30):
        official = OfficialFactory(full_name=f"Hoàng Văn {index}")
        AssignmentFactory(official=official, agency=tree["commune_a1"])
        RegistrationFactory(session=day.session, official=official, agency=tree["commune_a1"])
    client.force_login(world["trainer"])
    url = reverse("training:attendance_take", kwargs=_kw(day))
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).content.decode().count('class="att-row"') == 35


def test_search_without_javascript_filters_by_name(client, world):
    client.force_login(world["trainer"])
    response = client.get(
        reverse("training:attendance_take", kwargs=_kw(world["day"])), {"q": "duc"}
    )
    html = response.content.decode()
    assert "Trần Văn Đức" in html and "Nguyễn Thị Hồng Nhung" not in html


def test_tap_marks_and_answers_small_for_htmx(client, world):
    day, registration = world["day"], world["registrations"][2]
    client.force_login(world["trainer"])
    url = reverse("training:attendance_mark", kwargs=_kw(day))
    response = client.post(
        url, {"registration": registration.pk, "status": "excused"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert len(response.content) < 4000
    assert f'id="reg-{registration.pk}"' in response.content.decode()
    attendance = Attendance.objects.get(day=day, registration=registration)
    assert (attendance.status, attendance.method, attendance.marked_by) == (
        "excused",
        "trainer",
        world["trainer"],
    )
    plain = client.post(url, {"registration": registration.pk, "status": "present", "q": "x"})
    assert plain.status_code == 302 and "q=x" in plain["Location"]
    assert Attendance.objects.get(pk=attendance.pk).status == "present"
    assert AttendanceChange.objects.filter(attendance=attendance).count() == 2


def test_tap_on_a_closed_session_is_refused(client, world):
    day = world["day"]
    day.session.status = SessionStatus.CLOSED
    day.session.save()
    client.force_login(world["trainer"])
    response = client.post(
        reverse("training:attendance_mark", kwargs=_kw(day)),
        {"registration": world["registrations"][0].pk, "status": "present"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert not Attendance.objects.exists()


def test_trainer_outside_scope_cannot_take_attendance(client, world, make_user, tree):
    outsider = make_user(role=Role.TRAINER, agency=tree["province_b"], username="att_out_trainer")
    client.force_login(outsider)
    assert (
        client.get(reverse("training:attendance_take", kwargs=_kw(world["day"]))).status_code == 403
    )
    response = client.post(
        reverse("training:attendance_mark", kwargs=_kw(world["day"])),
        {"registration": world["registrations"][0].pk, "status": "present"},
    )
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_session_trainer_from_elsewhere_may_take_attendance(client, world, make_user, tree):
    guest = make_user(role=Role.TRAINER, agency=tree["province_b"], username="att_guest_trainer")
    world["session"].trainers.add(guest)
    client.force_login(guest)
    assert (
        client.get(reverse("training:attendance_take", kwargs=_kw(world["day"]))).status_code == 200
    )


def test_day_of_another_session_is_not_found(client, world):
    other_day = DayFactory(session=SessionFactory(host_agency=world["session"].host_agency))
    client.force_login(world["trainer"])
    url = reverse(
        "training:attendance_take", kwargs={"pk": world["session"].pk, "day_pk": other_day.pk}
    )
    assert client.get(url).status_code == 404


# --- cards ----------------------------------------------------------------------------------


def test_card_scan_marks_present_once(client, world):
    day, registration = world["day"], world["registrations"][1]
    client.force_login(world["trainer"])
    url = reverse("training:card_scan", kwargs=_kw(day))
    assert client.get(url).status_code == 200
    code = checkin.card_code(registration=registration)
    first = client.post(url, {"code": code})
    assert first.status_code == 200
    attendance = Attendance.objects.get(day=day, registration=registration)
    assert attendance.method == AttendanceMethod.CARD and attendance.marked_by == world["trainer"]
    assert attendance.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
    again = client.post(url, {"code": code})
    assert registration.official.full_name in again.content.decode()
    assert Attendance.objects.filter(day=day).count() == 1


def test_card_of_another_session_or_forged_is_refused(client, world):
    day = world["day"]
    foreign = RegistrationFactory(session=SessionFactory(host_agency=world["session"].host_agency))
    forged = f"{world['registrations'][1].pk}-AAAAAAAAAAAA"
    client.force_login(world["trainer"])
    for code in (checkin.card_code(registration=foreign), forged, "hello"):
        response = client.post(reverse("training:card_scan", kwargs=_kw(day)), {"code": code})
        assert gettext("This card is not for this session.") in response.content.decode()
    assert not Attendance.objects.exists()


# --- walk-ins -------------------------------------------------------------------------------


def test_walk_in_is_added_then_matched_to_an_official(client, world, tree):
    day = world["day"]
    client.force_login(world["trainer"])
    response = client.post(
        reverse("training:walkin_add", kwargs=_kw(day)),
        {"full_name": "Vũ Thị Khách", "agency_name": "UBND xã Bắc Ninh", "phone": "0912345678"},
    )
    assert response.status_code == 302
    walk_in = WalkIn.objects.get()
    attendance = Attendance.objects.get(walk_in=walk_in)
    assert (attendance.status, attendance.method, attendance.registration) == (
        "present",
        "walk_in",
        None,
    )
    assert day_counts(day=day)["present"] == 1

    official = OfficialFactory(full_name="Vũ Thị Khách", staff_code="BN-KHACH")
    AssignmentFactory(official=official, agency=tree["commune_a1"])
    match_url = reverse(
        "training:walkin_match", kwargs={"pk": day.session_id, "walkin_pk": walk_in.pk}
    )
    page = client.get(match_url)
    assert "BN-KHACH" in page.content.decode()
    assert client.post(match_url, {"official": official.pk}).status_code == 302

    registration = Registration.objects.get(session=day.session, official=official)
    assert registration.agency == tree["commune_a1"]
    attendance.refresh_from_db()
    assert attendance.registration == registration and attendance.walk_in == walk_in
    assert (
        AttendanceChange.objects.filter(attendance=attendance).count() == 2
    )  # added, then matched
    walk_in.refresh_from_db()
    assert walk_in.matched_official == official and walk_in.matched_by == world["trainer"]
    assert day_counts(day=day)["present"] == 1  # counted once


def test_matching_an_official_already_marked_updates_their_row(world, tree):
    day, registration = world["day"], world["registrations"][1]
    attendance_mark(day=day, registration=registration, status="absent", method="trainer", by=None)
    walk_in = walkin_add(day=day, full_name="Người lạ", by=world["trainer"])
    walkin_match(walk_in=walk_in, official=registration.official, by=world["trainer"])
    row = Attendance.objects.get(day=day, registration=registration)
    assert (row.status, row.method) == ("present", "walk_in")
    assert day_counts(day=day)["present"] == 1


def test_walk_in_match_refuses_officials_outside_scope(client, world, tree):
    walk_in = walkin_add(day=world["day"], full_name="Người lạ", by=world["trainer"])
    far = OfficialFactory(full_name="Người Tỉnh Khác")
    AssignmentFactory(official=far, agency=tree["commune_b1"])
    client.force_login(world["trainer"])
    url = reverse(
        "training:walkin_match", kwargs={"pk": world["session"].pk, "walkin_pk": walk_in.pk}
    )
    assert client.post(url, {"official": far.pk}).status_code == 403
    assert not Registration.objects.filter(official=far).exists()


def test_walk_in_needs_a_name(client, world):
    client.force_login(world["trainer"])
    response = client.post(
        reverse("training:walkin_add", kwargs=_kw(world["day"])), {"full_name": "  "}
    )
    assert response.status_code == 200
    assert not WalkIn.objects.exists() and not Attendance.objects.exists()


def test_pages_speak_vietnamese_by_default(client, world):
    client.force_login(world["trainer"])
    html = client.get(
        reverse("training:attendance_take", kwargs=_kw(world["day"]))
    ).content.decode()
    assert "Có mặt" in html and "Vắng có phép" in html and "Điểm danh" in html


def test_closed_session_stops_the_projector_qr(client, world):
    day = world["day"]
    day.session.status = SessionStatus.CLOSED
    day.session.save()
    client.force_login(world["trainer"])
    assert client.get(reverse("training:checkin_qr", kwargs=_kw(day))).status_code == 410
    page = client.get(reverse("training:checkin_display", kwargs=_kw(day))).content.decode()
    assert "<svg" not in page
