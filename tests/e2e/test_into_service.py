"""Issue 10's "Done when", in the browser on the demo data: the platform admin makes a provincial
administrator for Tỉnh Bắc Ninh, who imports five officials with logins and makes one of them a
trainer; that trainer activates the account from the email, logs in and schedules a session."""

import datetime
import email
import email.policy
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import ARTIFACTS, check_a11y, login, submit
from .test_training import _pick_agency

PASSWORD = "Vao-viec-2026!"
PROVINCE_ADMIN_CODE = "BN-DEMO-0277"  # a demo official of Bắc Ninh without a login
WARD = "07210"


@pytest.fixture
def new_context(browser, live_url, request):
    opened = []

    def make():
        ctx = browser.new_context(
            base_url=live_url, locale="vi-VN", viewport={"width": 1280, "height": 900}
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
                pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{n}-{i}.png"))
        ctx.close()


def _mails_to(mail_dir: Path, address: str) -> list:
    found = []
    for path in sorted(mail_dir.glob("*")) if mail_dir.is_dir() else []:
        for chunk in path.read_bytes().split(b"-" * 79):  # the file backend's separator
            if chunk.strip():
                msg = email.message_from_bytes(chunk.strip(), policy=email.policy.default)
                if address in str(msg.get("To", "")):
                    found.append(msg)
    return found


def _link(msg) -> str:
    return urlsplit(re.search(r"https?://\S+/accounts/activate/\S+/", msg.get_content())[0]).path


def _option(page, select: str, text: str) -> str:
    option = page.locator(f"{select} option", has_text=text).first
    assert option.count() == 1, f"no option containing {text!r} in {select}"
    return option.get_attribute("value")


def _activate(ctx, link: str):
    person = ctx.new_page()
    person.goto(link)
    check_a11y(person, context="activation form")
    person.fill("input[name=new_password1]", PASSWORD)
    person.fill("input[name=new_password2]", PASSWORD)
    submit(person)
    assert person.url.endswith("/accounts/activated/"), person.url
    check_a11y(person, context="account activated")
    return person


def _open_person(page, query: str):
    page.goto("/people/")
    check_a11y(page, context="people list")
    page.fill("main input[name=q]", query)
    submit(page, "main form[method=get] button[type=submit]")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1, page.locator("main").inner_text()[:1500]
    with page.expect_navigation():
        rows.first.locator("a").first.click()
    check_a11y(page, context="person page")


def _grant(page, *, role: str, agency_text: str, reason: str):
    page.select_option("select[name=role]", value=role)
    page.select_option(
        "select[name=agency]", value=_option(page, "select[name=agency]", agency_text)
    )
    page.fill("textarea[name=reason]", reason)
    submit(page, "main form[action$='/grant/'] button[type=submit]")
    assert page.locator(".message-success").count(), page.locator("main").inner_text()[:1500]


def test_admin_provincial_admin_import_trainer_session(new_context, server_env, tmp_path):
    mail_dir = Path(server_env["EMAIL_URL"].removeprefix("file://"))
    tag = uuid.uuid4().hex[:6].upper()

    # --- the platform admin: a login for a Bắc Ninh official, then the provincial role -------
    admin = new_context().new_page()
    login(admin, "admin")
    _open_person(admin, PROVINCE_ADMIN_CODE)
    submit(admin, "main form[action$='/login/'] button[type=submit]")
    sent_to = re.search(r"[\w.+-]+@[\w.-]+\.\w+", admin.locator(".message-success").inner_text())
    assert sent_to, admin.locator("main").inner_text()[:1500]
    address = sent_to[0]
    check_a11y(admin, context="person page with a login not activated")
    _grant(
        admin,
        role="provincial_admin",
        agency_text="Tỉnh Bắc Ninh",
        reason=f"Quyết định phân công quản trị tỉnh {tag}",
    )
    assert "Quản trị cấp tỉnh" in admin.locator("main table").first.inner_text()

    (mail,) = _mails_to(mail_dir, address)
    provincial = _activate(new_context(), _link(mail))

    # --- the provincial administrator: five officials with logins ---------------------------
    provincial.goto("/")
    assert provincial.locator("a[href$='/agencies/import/']").count(), "no import link in the menu"
    provincial.goto("/agencies/import/")
    check_a11y(provincial, context="import page (provincial administrator)")
    people = [
        (f"E2E-{tag}-{n}", name, f"e2e.{tag.lower()}.{n}@bacninh.example.org")
        for n, name in enumerate(
            ["Ngô Thị Mai", "Đặng Văn Long", "Bùi Thị Hạnh", "Dương Văn Tâm", "Lý Thị Nga"], 1
        )
    ]
    roster = tmp_path / "can-bo.csv"
    roster.write_text(
        "mã cán bộ,họ và tên,email,đơn vị,chức vụ\n"
        + "".join(f"{code},{name},{mail},{WARD},Chuyên viên\n" for code, name, mail in people),
        encoding="utf-8",
    )
    provincial.set_input_files("input[type=file]", str(roster))
    provincial.check("input[name=create_accounts]")
    submit(provincial, "main form button[type=submit]")
    success = provincial.locator("main .message-success").inner_text()
    assert "Tài khoản: tạo mới 5" in success, success
    check_a11y(provincial, context="import result")
    for _code, _name, to in people:
        assert len(_mails_to(mail_dir, to)) == 1, f"no single activation email to {to}"

    trainer_code, trainer_name, trainer_mail = people[0]
    _open_person(provincial, trainer_code)
    _grant(
        provincial,
        role="trainer",
        agency_text=f"({WARD})",
        reason=f"Quyết định cử giảng viên {tag}",
    )

    # --- the new trainer: activation from the email, login, a session -----------------------
    (mail,) = _mails_to(mail_dir, trainer_mail)
    first = _activate(new_context(), _link(mail))
    first.context.close()
    trainer = new_context().new_page()
    login(trainer, trainer_code, PASSWORD)
    trainer.goto("/sessions/new/")
    check_a11y(trainer, context="session form (new trainer)")
    courses = [
        v
        for v in trainer.locator("select[name=course] option").evaluate_all(
            "options => options.map(o => o.value)"
        )
        if v
    ]
    assert courses, "no course to link the session to"
    title = f"Tập huấn ISO cho phường {tag}"
    day = datetime.date.today() + datetime.timedelta(days=14)
    trainer.select_option("select[name=course]", value=courses[0])
    trainer.fill("input[name=title]", title)
    _pick_agency(trainer, "host_agency", WARD)
    trainer.fill("input[name=venue]", "Hội trường Ủy ban nhân dân phường")
    trainer.locator("input[name=day_date]").first.fill(day.isoformat())
    trainer.locator("input[name=day_start]").first.fill("08:00")
    trainer.locator("input[name=day_end]").first.fill("11:30")
    trainer.fill("input[name=capacity]", "40")
    submit(trainer, "main form button[type=submit]")
    assert re.search(r"/sessions/\d+/$", trainer.url), (
        f"the session was not saved: {trainer.locator('main').inner_text()[:2000]}"
    )
    assert title in trainer.locator("main").inner_text()
    check_a11y(trainer, context="session detail (new trainer)")
