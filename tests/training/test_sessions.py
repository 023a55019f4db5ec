import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from lms.core.models import Role
from lms.training import services
from lms.training.models import RegistrationStatus, SessionStatus, TrainingSession
from tests.factories.training import RegistrationFactory, session_with_days


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions below read the English messages."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def test_parse_days_accepts_lines_and_sorts():
    days = services.parse_days("16/12/2026 13:30-17:00\n\n15/12/2026 8:00-11:30")
    assert [d.date for d in days] == [datetime.date(2026, 12, 15), datetime.date(2026, 12, 16)]
    assert days[0].start_time == datetime.time(8, 0)


def test_parse_days_names_every_bad_line():
    with pytest.raises(ValidationError) as exc:
        services.parse_days(
            "15/12/2026 08:00-11:30\n31/02/2026 08:00-09:00\nmai 9h\n"
            "15/12/2026 13:00-12:00\n15/12/2026 13:00-14:00"
        )
    text = " ".join(exc.value.messages)
    assert "Line 2" in text and "Line 3" in text and "Line 4" in text and "Line 5" in text
    assert "Line 1" not in text


def _form_data(host, **extra):
    data = {
        "title": "Tập huấn ISO 9001:2015 cho cấp xã",
        "host_agency": host.pk,
        "venue": "Hội trường",
        "address": "",
        "days": "15/12/2026 08:00-11:30\n16/12/2026 08:00-11:30",
        "capacity": "20",
        "status": SessionStatus.OPEN,
        "min_attendance_percent": "100",
        "late_after_minutes": "15",
        "target_agencies": [host.pk],
        "target_positions": ["iso_secretary"],
    }
    data.update(extra)
    return data


@pytest.fixture
def trainer(make_user, tree):
    return make_user(role=Role.TRAINER, agency=tree["province_a"], username="t_trainer")


def test_trainer_creates_session_with_days(client, trainer, tree):
    client.force_login(trainer)
    response = client.post(reverse("training:session_create"), _form_data(tree["commune_a1"]))
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert session.created_by == trainer
    assert session.days.count() == 2
    assert session.target_positions == ["iso_secretary"]
    assert list(session.trainers.all()) == [trainer]


def test_host_agency_outside_scope_is_refused(client, trainer, tree):
    client.force_login(trainer)
    response = client.post(reverse("training:session_create"), _form_data(tree["commune_b1"]))
    assert response.status_code == 200
    assert "host_agency" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


def test_session_form_offers_only_trainers_in_scope(client, trainer, tree, make_user):
    """A trainer of another province is not offered, and a forged POST with their id is refused."""
    local = make_user(role=Role.TRAINER, agency=tree["commune_a1"], username="t_local")
    platform_wide = make_user(role=Role.TRAINER, username="t_everywhere")
    foreign = make_user(role=Role.TRAINER, agency=tree["province_b"], username="t_foreign")
    # A trainer in province A by another role only (no trainer role there) is not offered either.
    make_user(role=Role.ISO_SECRETARY, agency=tree["province_a"], username="t_secretary")
    client.force_login(trainer)
    form = client.get(reverse("training:session_create")).context["form"]
    offered = {u.username for u in form.fields["trainers"].queryset}
    assert offered == {trainer.username, local.username, platform_wide.username}
    response = client.post(
        reverse("training:session_create"),
        _form_data(tree["commune_a1"], trainers=[trainer.pk, foreign.pk]),
    )
    assert response.status_code == 200
    assert "trainers" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


def test_commune_trainer_is_offered_the_province_trainer(client, tree, make_user):
    make_user(role=Role.TRAINER, agency=tree["province_a"], username="t_province")
    commune = make_user(role=Role.TRAINER, agency=tree["commune_a2"], username="t_commune")
    make_user(role=Role.TRAINER, agency=tree["commune_a1"], username="t_neighbour")
    client.force_login(commune)
    form = client.get(reverse("training:session_create")).context["form"]
    assert {u.username for u in form.fields["trainers"].queryset} == {"t_province", "t_commune"}


def test_bad_day_line_is_shown_in_form(client, trainer, tree):
    client.force_login(trainer)
    response = client.post(
        reverse("training:session_create"), _form_data(tree["commune_a1"], days="15/12/2026 8h")
    )
    assert response.status_code == 200
    assert "Line 1" in str(response.context["form"].errors["days"])


def test_copy_prefills_everything_but_days(client, trainer, tree):
    source = session_with_days(tree["commune_a1"], days=2, capacity=12, venue="Phòng họp số 2")
    source.target_agencies.set([tree["commune_a2"]])
    RegistrationFactory(session=source)
    client.force_login(trainer)
    response = client.get(reverse("training:session_copy", args=[source.pk]))
    form = response.context["form"]
    assert form.initial["venue"] == "Phòng họp số 2"
    assert form.initial["capacity"] == 12
    assert form.initial["target_agencies"] == [tree["commune_a2"].pk]
    assert not form.initial.get("days")
    response = client.post(
        reverse("training:session_copy", args=[source.pk]), _form_data(tree["commune_a1"])
    )
    copy = TrainingSession.objects.exclude(pk=source.pk).get()
    assert copy.copied_from == source
    assert copy.registrations.count() == 0


def test_edit_of_days_notifies_participants_once(
    client, trainer, tree, django_capture_on_commit_callbacks
):
    session = session_with_days(tree["commune_a1"], days=1, status=SessionStatus.OPEN)
    reg = RegistrationFactory(session=session, status=RegistrationStatus.REGISTERED)
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("training:session_edit", args=[session.pk]),
            _form_data(tree["commune_a1"], days="20/12/2026 08:00-11:00"),
        )
    assert [m.to for m in mail.outbox] == [[reg.official.email]]
    assert "20/12/2026" in mail.outbox[0].body
    session.refresh_from_db()
    assert session.revision == 1
    assert list(session.days.values_list("date", flat=True)) == [datetime.date(2026, 12, 20)]


def test_cancelling_session_notifies(client, trainer, tree, django_capture_on_commit_callbacks):
    session = session_with_days(tree["commune_a1"], days=1, status=SessionStatus.OPEN)
    RegistrationFactory(session=session, status=RegistrationStatus.INVITED)
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("training:session_edit", args=[session.pk]),
            _form_data(
                tree["commune_a1"], status=SessionStatus.CANCELLED, days="01/12/2026 08:00-11:30"
            ),
        )
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert len(mail.outbox) == 1


def test_list_query_count_is_fixed(client, trainer, tree, django_assert_max_num_queries):
    for _ in range(5):
        s = session_with_days(tree["commune_a1"], days=2)
        RegistrationFactory(session=s)
    client.force_login(trainer)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("training:session_list"))
    assert len(response.context["managed"]) == 5


def test_detail_query_count_is_fixed(client, trainer, tree, django_assert_max_num_queries):
    s = session_with_days(tree["commune_a1"], days=3)
    for _ in range(8):
        RegistrationFactory(session=s)
    client.force_login(trainer)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("training:session_detail", args=[s.pk]))
    assert len(response.context["registrations"]) == 8


def test_draft_invitations_are_sent_when_published(
    client, trainer, tree, django_capture_on_commit_callbacks
):
    session = session_with_days(tree["commune_a1"], days=1, status=SessionStatus.DRAFT)
    from tests.factories.agencies import OfficialFactory

    official = OfficialFactory()
    reg = RegistrationFactory(session=session, status=RegistrationStatus.INVITED)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_invite(
            session=session, officials=[official, reg.official], by=trainer
        )
    assert mail.outbox == []
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("training:session_edit", args=[session.pk]),
            _form_data(tree["commune_a1"], days="01/12/2026 08:00-11:30"),
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([official.email, reg.official.email])


def test_day_with_attendance_cannot_be_removed(trainer, tree):
    from tests.factories.training import AttendanceFactory

    session = session_with_days(tree["commune_a1"], days=2)
    first = session.days.first()
    AttendanceFactory(day=first, registration=RegistrationFactory(session=session))
    with pytest.raises(services.TrainingError):
        services.session_update(
            session=session,
            by=trainer,
            days=services.parse_days("02/12/2026 08:00-11:30"),
        )
    assert session.days.count() == 2


def test_days_are_picked_as_date_and_time_rows(client, trainer, tree):
    """The form shows date and time pickers; the rows are saved as the session's days."""
    client.force_login(trainer)
    page = client.get(reverse("training:session_create")).content.decode()
    assert 'type="date" name="day_date"' in page and 'type="time" name="day_start"' in page
    data = _form_data(tree["commune_a1"])
    del data["days"]
    data.update(
        day_date=["2026-12-15", "", "2026-12-16"],
        day_start=["08:00", "", "13:30"],
        day_end=["11:30", "", "17:00"],
    )
    response = client.post(reverse("training:session_create"), data)
    assert response.status_code == 302
    days = list(TrainingSession.objects.get().days.all())
    assert [(d.date, d.start_time, d.end_time) for d in days] == [
        (datetime.date(2026, 12, 15), datetime.time(8, 0), datetime.time(11, 30)),
        (datetime.date(2026, 12, 16), datetime.time(13, 30), datetime.time(17, 0)),
    ]
    # Editing shows them back in the pickers, plus empty rows.
    edit = client.get(reverse("training:session_edit", args=[days[0].session_id])).content.decode()
    assert 'value="2026-12-16"' in edit and 'value="13:30"' in edit


def test_a_half_filled_day_row_is_named(client, trainer, tree):
    client.force_login(trainer)
    data = _form_data(tree["commune_a1"])
    del data["days"]
    data.update(
        day_date=["2026-12-15", "2026-12-16"], day_start=["08:00", ""], day_end=["11:30", ""]
    )
    response = client.post(reverse("training:session_create"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["days"])
    assert "2" in errors and "16/12/2026" in errors
    assert not TrainingSession.objects.exists()


def test_warning_when_more_are_invited_than_seats(client, trainer, tree):
    session = session_with_days(tree["commune_a1"], days=1, capacity=2)
    for _ in range(3):
        RegistrationFactory(session=session, status="invited")
    client.force_login(trainer)
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert 'id="over-capacity"' in page
    # Saving the form with more invited than seats warns too; with enough seats, no warning.
    data = _form_data(tree["commune_a1"], capacity="2")
    response = client.post(reverse("training:session_edit", args=[session.pk]), data, follow=True)
    assert any(m.level_tag == "warning" for m in response.context["messages"])
    session.capacity = 3
    session.save()
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert 'id="over-capacity"' not in page


def test_agency_pickers_take_codes_and_the_search_is_scoped(client, trainer, tree):
    """Plain inputs of agency codes (no select of thousands of units); the JSON search behind
    the picker returns only agencies in the trainer's scope."""
    client.force_login(trainer)
    page = client.get(reverse("training:session_create")).content.decode()
    assert 'name="host_agency"' in page and 'data-agency-picker="single"' in page
    assert (
        'data-agency-picker="multiple"' in page
        and "<option" not in page.split("host_agency")[1][:300]
    )
    data = _form_data(tree["commune_a1"], host_agency="91001", target_agencies="91001, 91002")
    response = client.post(reverse("training:session_create"), data)
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert session.host_agency == tree["commune_a1"]
    assert set(session.target_agencies.all()) == {tree["commune_a1"], tree["commune_a2"]}
    # Editing shows the codes back.
    edit = client.get(reverse("training:session_edit", args=[session.pk])).content.decode()
    assert 'value="91001"' in edit
    # A code outside the scope is named in the error.
    bad = _form_data(tree["commune_a1"], target_agencies="91001 92001")
    response = client.post(reverse("training:session_create"), bad)
    assert response.status_code == 200
    assert "92001" in str(response.context["form"].errors["target_agencies"])

    found = client.get(reverse("training:agency_search"), {"q": "Xã"}).json()["results"]
    assert {r["ref"] for r in found} == {"91001", "91002"}  # not Xã B1 of province B
    by_code = client.get(reverse("training:agency_search"), {"q": "9100"}).json()["results"]
    assert {r["ref"] for r in by_code} == {"91001", "91002"}
    assert client.get(reverse("training:agency_search"), {"q": "X"}).json()["results"] == []
