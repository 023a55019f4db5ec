"""Training sessions as the demo users meet them (issue: training sessions).

``trainer`` schedules a session through the real form and invites an agency subtree in one step;
``learner`` sees the invitation, registers and checks in with the QR code's URL, read from the
trainer's projector page the way a phone reads it; ``trainer`` sees the learner present on the
day's attendance page, closes the session and sees the learner completed, in the report too.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import re
import uuid
import zoneinfo
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, check_a11y, login, manage_shell, submit

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
# The demo learner works in "Ủy ban nhân dân phường Bắc Giang", a unit below the ward "Phường
# Bắc Giang" (code 07210): inviting the ward reaches them only if the whole subtree is invited.
TARGET_CODE = "07210"
LEARNER_POSITIONS = ["one_stop_officer", "specialist"]

# Vietnamese (the default language) words on screen, from lms/training/locale/vi.
VI_INVITED = "Được mời"
VI_REGISTERED = "Đã đăng ký"
VI_PRESENT = "Có mặt"
VI_YES = "Có"
VI_CHECKED_IN = "Đã điểm danh lúc"
VI_ALREADY = "Bạn đã điểm danh lúc"
VI_CLOSED = "Đã kết thúc"

# Demo sessions (lms/training/demo.py): one with days next week, one closed a month ago.
UPCOMING_DEMO_TITLE = "Tập huấn áp dụng TCVN ISO 9001:2015 cho cấp xã – đợt 1"
PAST_DEMO_TITLE = "Tập huấn đánh giá nội bộ hệ thống quản lý chất lượng"


@pytest.fixture
def new_context(browser, live_url, request):
    """Open more browser contexts (one per user, like separate devices); screenshots on failure."""
    opened = []

    def make(**options):
        ctx = browser.new_context(
            base_url=live_url,
            locale="vi-VN",
            viewport=options.pop("viewport", {"width": 1280, "height": 900}),
            **options,
        )
        ctx.set_default_timeout(15_000)
        opened.append(ctx)
        return ctx

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for n, ctx in enumerate(opened):
        if failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for i, pg in enumerate(ctx.pages):
                shot = ARTIFACTS / f"{request.node.name}-{n}-{i}.png"
                pg.screenshot(path=str(shot), full_page=True)
        ctx.close()


def _option_value(page, select: str, text: str) -> str:
    option = page.locator(f"{select} option", has_text=text).first
    assert option.count() == 1, f"no option containing {text!r} in {select}"
    return option.get_attribute("value")


def _pick_agency(page, name: str, code: str) -> None:
    """Type into an agency picker and choose the unit with ``code`` from its suggestions."""
    field = page.locator(f"input[name={name}]")
    assert field.get_attribute("role") == "combobox", "the agency picker script did not run"
    field.fill("")
    field.press_sequentially(code[:4], delay=50)
    option = page.locator(
        f"#{field.get_attribute('aria-controls')} [role=option]", has_text=f"({code})"
    )
    option.first.wait_for()
    check_a11y(page, context=f"agency picker {name} open")
    option.first.click()


def _message(page) -> str:
    return " ".join(page.locator(".message, [role=status], [role=alert]").all_inner_texts())


def _open_sessions_from_menu(page) -> None:
    """Follow "Training sessions" in the site menu, as a user would."""
    with page.expect_navigation():
        page.locator("header nav a[href='/sessions/']").click()
    assert page.url.endswith("/sessions/")


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], f"sideways scroll at 360 px: {page.url} {widths}"


def _invitation_mails(mail_dir: Path, title: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(mail_dir.glob("*")) if mail_dir.is_dir() else []:
        # The file backend appends every message of a connection to one file, separated by a
        # line of 79 dashes.
        for chunk in path.read_bytes().split(b"-" * 79):
            if not chunk.strip():
                continue
            msg = email.message_from_bytes(chunk.strip(), policy=email.policy.default)
            if title in str(msg.get("Subject", "")):
                found.append(msg)
    return found


def test_trainer_schedules_learner_checks_in_trainer_closes(new_context, server_env):
    now = datetime.datetime.now(TZ)
    today = now.date()
    title = f"Tập huấn E2E điểm danh QR {uuid.uuid4().hex[:8]}"
    # Today, from the top of this hour to 23:59; late only after 2 hours, so a check-in during
    # this test is "present" whatever the time of day.
    start = now.replace(minute=0).strftime("%H:%M")

    trainer_ctx = new_context()
    trainer = trainer_ctx.new_page()
    login(trainer, "trainer")

    # --- trainer: the session list, then the form ------------------------------------------
    _open_sessions_from_menu(trainer)
    check_a11y(trainer, context="session list (trainer)")
    with trainer.expect_navigation():
        trainer.locator("main a[href$='/sessions/new/']").click()
    check_a11y(trainer, context="session create form")

    course_values = [
        v
        for v in trainer.locator("select[name=course] option").evaluate_all(
            "options => options.map(o => o.value)"
        )
        if v
    ]
    assert course_values, "no course to link the session to"
    trainer.select_option("select[name=course]", value=course_values[0])
    trainer.fill("input[name=title]", title)
    # Agency pickers: type part of the code, choose the unit from the suggestions.
    _pick_agency(trainer, "host_agency", TARGET_CODE)
    assert trainer.locator("input[name=host_agency]").input_value() == TARGET_CODE
    trainer.fill("input[name=venue]", "Hội trường tầng 3, Ủy ban nhân dân phường")
    # The days: date and time pickers, one row per day.
    trainer.locator("input[name=day_date]").first.fill(today.isoformat())
    trainer.locator("input[name=day_start]").first.fill(start)
    trainer.locator("input[name=day_end]").first.fill("23:59")
    trainer.fill("input[name=capacity]", "30")
    _pick_agency(trainer, "target_agencies", TARGET_CODE)
    assert trainer.locator("input[name=target_agencies]").input_value().split() == [TARGET_CODE]
    trainer.select_option("select[name=target_positions]", value=LEARNER_POSITIONS)
    trainer.fill("input[name=registration_deadline]", f"{today.isoformat()}T23:59")
    trainer.select_option("select[name=status]", value="open")
    trainer.fill("input[name=min_attendance_percent]", "100")
    trainer.fill("input[name=late_after_minutes]", "120")
    submit(trainer, "main form button[type=submit]")
    assert re.search(r"/sessions/\d+/$", trainer.url), (
        f"the form did not save: {trainer.url}\n{trainer.locator('main').inner_text()[:2000]}"
    )
    session_url = trainer.url
    detail = trainer.locator("main").inner_text()
    assert title in detail
    assert f"{today:%d/%m/%Y}" in detail
    assert "0/30" in detail  # capacity, nobody registered yet

    # One step: invite every official of the target subtree with the target positions.
    submit(trainer, "main form[action$='/invite/'] button[type=submit]")
    invited = re.search(r"(\d+)", _message(trainer))
    assert invited and int(invited.group(1)) >= 2, _message(trainer)
    rows = trainer.locator("main table tbody tr")
    assert rows.count() == int(invited.group(1))
    check_a11y(trainer, context="session detail (trainer)")

    # --- learner: the invitation, registration --------------------------------------------
    learner_ctx = new_context(viewport={"width": 390, "height": 844})
    learner = learner_ctx.new_page()
    login(learner, "learner")
    _open_sessions_from_menu(learner)
    check_a11y(learner, context="session list (learner)")
    row = learner.locator("main tr", has_text=title)
    assert row.count() == 1, "the learner does not see the invitation"
    assert VI_INVITED in row.inner_text()
    with learner.expect_navigation():
        row.get_by_role("link", name=title).click()
    assert learner.url == session_url
    check_a11y(learner, context="session detail (learner, invited)")
    submit(learner, "main form[action$='/register/'] button[type=submit]")
    assert learner.url == session_url
    assert VI_REGISTERED in learner.locator("main").inner_text()
    assert learner.locator("main form[action$='/register/']").count() == 0

    # The invitation email went out (file backend of the live server).
    mail_dir = Path(server_env["EMAIL_URL"].removeprefix("file://"))
    assert _invitation_mails(mail_dir, title), f"no invitation email about {title!r} in {mail_dir}"

    # --- trainer's projector page: the URL in the QR code -----------------------------------
    with trainer.expect_navigation():
        trainer.goto(session_url)
    with trainer.expect_navigation():
        trainer.locator("main a[href*='/attendance/']").first.click()
    attendance_url = trainer.url
    assert re.search(r"/sessions/\d+/days/\d+/attendance/$", attendance_url)
    with trainer.expect_navigation():
        trainer.locator("nav.att-tools a[href$='/checkin/display/']").click()
    qr = trainer.locator("#att-qr")
    assert qr.locator("svg").count() == 1, "no QR code on the projector page"
    link = qr.locator(".att-qr-url a")
    assert link.count() == 1, "the projector page shows no check-in URL beside the QR code"
    checkin_url = link.get_attribute("href")
    assert link.inner_text().strip() == checkin_url
    assert re.search(r"/sessions/\d+/days/\d+/checkin/[0-9a-z]+\.[A-Z2-7]+/$", checkin_url)
    check_a11y(trainer, context="QR check-in projector page")

    # --- learner: scan, confirm, scan again -------------------------------------------------
    learner.goto(checkin_url)
    confirm = learner.locator("main form button[type=submit]")
    assert confirm.count() == 1, learner.locator("main").inner_text()
    submit(learner, "main form button[type=submit]")
    done = learner.locator("main .message").inner_text()
    assert VI_CHECKED_IN in done and VI_PRESENT in done, done
    check_a11y(learner, context="check-in confirmation")
    learner_name = learner.locator("main .att-checkin p").nth(1).inner_text().strip()
    assert learner_name

    learner.goto(checkin_url)
    again = learner.locator("main .message").inner_text()
    assert VI_ALREADY in again, again
    # Marked once: the second visit reports the time of the first check-in.
    assert re.findall(r"\d\d:\d\d", again) == re.findall(r"\d\d:\d\d", done)
    assert learner.locator("main form button[type=submit]").count() == 0

    invitations = _invitation_mails(mail_dir, title)
    assert any(
        learner_name in m.get_body(preferencelist=("plain",)).get_content() for m in invitations
    ), f"no invitation email addressed to {learner_name}"

    # --- trainer: the attendance page shows the learner present, once -----------------------
    trainer.goto(attendance_url)
    learner_row = trainer.locator("#att-roster li.att-row", has_text=learner_name)
    assert learner_row.count() == 1
    assert learner_row.locator(".badge.att-present").inner_text().strip() == VI_PRESENT
    assert learner_row.locator("button[aria-pressed=true]").get_attribute("value") == "present"
    assert trainer.locator("#att-counts dd").first.inner_text().strip() == "1"
    check_a11y(trainer, context="attendance page")

    # The same page on the trainer's phone: 360 px wide, no sideways scroll.
    phone_ctx = new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone = phone_ctx.new_page()
    login(phone, "trainer")
    phone.goto(attendance_url)
    assert phone.locator("#att-roster li.att-row", has_text=learner_name).count() == 1
    _no_sideways_scroll(phone)

    # --- trainer: close the session; the learner completed ---------------------------------
    trainer.goto(session_url)
    with trainer.expect_navigation():
        trainer.locator("main a[href$='/close/']").click()
    # The close page says who will complete, by name, and asks to confirm.
    assert learner_name in trainer.locator("#close-completing").inner_text()
    check_a11y(trainer, context="close page")
    submit(trainer, "main form button[type=submit]")
    assert "/close/" in trainer.url, "closed without the confirmation"
    trainer.check("input[name=confirm]")
    submit(trainer, "main form button[type=submit]")
    assert trainer.url == session_url
    assert "1/1" in _message(trainer), _message(trainer)  # completed / registered
    assert VI_CLOSED in trainer.locator("main .badge").first.inner_text()
    participant = trainer.locator("main table tbody tr", has_text=learner_name)
    assert participant.count() == 1
    cells = [c.strip() for c in participant.locator("td").all_inner_texts()]
    assert cells[2] == VI_REGISTERED
    assert cells[3] == "1/1"
    assert cells[4] == VI_YES

    with trainer.expect_navigation():
        trainer.locator("main a[href$='/report/']").click()
    check_a11y(trainer, context="session report")
    report_row = trainer.locator("main tr", has_text=learner_name)
    assert report_row.count() == 1
    report_cells = [c.strip() for c in report_row.locator("td").all_inner_texts()]
    assert report_cells[2] == VI_PRESENT
    assert report_cells[-1] == VI_YES

    # The learner sees it too.
    learner.goto(session_url)
    mine = learner.locator("main").inner_text().lower()
    assert "hoàn thành" in mine  # "Completed"
    assert "chưa hoàn thành" not in mine  # "Not completed"


def _login_page(new_context, username: str, **options):
    page = new_context(**options).new_page()
    login(page, username)
    return page


def test_session_tables_at_phone_width(new_context):
    """A trainer on a phone reads the participants and the report of a closed demo session.

    The tables scroll sideways inside keyboard-focusable regions; the page itself does not.
    """
    trainer = _login_page(
        new_context, "trainer", viewport={"width": 360, "height": 740}, is_mobile=True
    )
    _open_sessions_from_menu(trainer)
    with trainer.expect_navigation():
        trainer.get_by_role("link", name=PAST_DEMO_TITLE).first.click()
    _no_sideways_scroll(trainer)
    check_a11y(trainer, context="session detail at 360 px")
    with trainer.expect_navigation():
        trainer.locator("main a[href$='/report/']").click()
    _no_sideways_scroll(trainer)
    check_a11y(trainer, context="session report at 360 px")


def test_checkin_refused_on_another_day(new_context):
    """The upcoming demo session's days lie ahead: its QR code must not check anyone in today."""
    trainer = _login_page(new_context, "trainer")
    _open_sessions_from_menu(trainer)
    with trainer.expect_navigation():
        trainer.get_by_role("link", name=UPCOMING_DEMO_TITLE).first.click()
    day_links = trainer.locator("main a[href*='/attendance/']")
    assert day_links.count() >= 1
    with trainer.expect_navigation():
        day_links.first.click()
    day = trainer.locator("main p.muted").first.inner_text()
    today = datetime.datetime.now(TZ).date()
    assert f"{today:%d/%m/%Y}" not in day, "the demo session has a day today; nothing to check"
    with trainer.expect_navigation():
        trainer.locator("nav.att-tools a[href$='/checkin/display/']").click()
    # No code is shown ahead of the day (learners would only be refused), and none is served.
    assert trainer.locator("#att-qr").count() == 0
    assert trainer.locator("main svg").count() == 0
    assert trainer.locator("main [role=alert]").count() == 1
    check_a11y(trainer, context="projector page, day still to come")
    qr_url = trainer.url.replace("/checkin/display/", "/checkin/qr/")
    assert trainer.request.get(qr_url).status == 404
    # Nor can the trainer mark anyone for that day.
    trainer.go_back()
    assert trainer.locator("#att-roster button[name=status]").count() == 0


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
def test_projector_fits_the_screen(new_context, server_env, size):
    """The projector page at projector sizes: no site menu, the whole QR on screen, no scrollbars,
    and the count of check-ins refreshing (from a script file: the CSP forbids inline ones)."""
    width, height = size
    title = f"Tập huấn máy chiếu {uuid.uuid4().hex[:6]}"
    manage_shell(
        server_env,
        "import datetime\n"
        "from django.utils import timezone\n"
        "from lms.agencies.models import Agency\n"
        "from lms.training.models import TrainingSession, SessionDay\n"
        "from lms.users.models import User\n"
        f"host = Agency.objects.filter(code={TARGET_CODE!r}).first()\n"
        f"s = TrainingSession.objects.create(title={title!r}, host_agency=host, status='open')\n"
        "s.trainers.add(User.objects.get(username='trainer'))\n"
        "SessionDay.objects.create(session=s, date=timezone.localdate(),"
        " start_time=datetime.time(0, 0), end_time=datetime.time(23, 59))\n",
    )
    trainer = _login_page(new_context, "trainer", viewport={"width": width, "height": height})
    _open_sessions_from_menu(trainer)
    with trainer.expect_navigation():
        trainer.get_by_role("link", name=title).first.click()
    with trainer.expect_navigation():
        trainer.locator("main a[href*='/attendance/']").first.click()
    with trainer.expect_navigation():
        trainer.locator("nav.att-tools a[href$='/checkin/display/']").click()
    assert trainer.locator("header.site-header, nav.site-nav").count() == 0, "site menu shown"
    assert title in trainer.locator("h1").inner_text()
    assert f"{datetime.datetime.now(TZ).date():%d/%m/%Y}" in trainer.locator("main").inner_text()
    box = trainer.locator("#att-qr svg").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, box
    # As large as the screen allows: at least 60 % of the height.
    assert box["height"] >= 0.6 * height, box
    sizes = trainer.evaluate(
        "() => { const d = document.documentElement; return {sw: d.scrollWidth,"
        " sh: d.scrollHeight, cw: d.clientWidth, ch: d.clientHeight,"
        " vw: window.innerWidth, vh: window.innerHeight}; }"
    )
    assert sizes["sw"] <= sizes["cw"] and sizes["sh"] <= sizes["ch"], sizes
    assert sizes["cw"] == sizes["vw"] and sizes["ch"] == sizes["vh"], f"scrollbars: {sizes}"
    assert "0" in trainer.locator(".att-qr-count").inner_text()
    check_a11y(trainer, context=f"projector page {width}×{height}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    trainer.screenshot(path=str(ARTIFACTS / f"projector-{width}x{height}.png"))
    # The code refreshes by itself (checkin-display.js polls the QR fragment).
    first = trainer.locator("#att-qr .att-qr-url a").get_attribute("href")
    with trainer.expect_response(lambda r: "/checkin/qr/" in r.url, timeout=15_000):
        pass
    assert trainer.locator("#att-qr svg").count() == 1
    assert first
