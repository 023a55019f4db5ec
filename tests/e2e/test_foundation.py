"""The platform foundation as a user meets it: home, logins, account, language, password reset."""

import email
import re
from pathlib import Path

import pytest

from .conftest import CSP_VIOLATIONS, check_a11y, login, manage_shell, submit

DEMO_USERS = ["learner", "trainer", "secretary", "steering", "editor", "admin"]


def test_csp_refuses_inline_script_and_the_suite_sees_it(page):
    """The policy is sent and enforced, and a violation reaches the suite's collector."""
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    seen = len(CSP_VIOLATIONS)
    with page.expect_console_message(lambda m: m.text.startswith("CSP violation")):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.injected = 1'; document.body.append(s); }"
        )
    assert page.evaluate("() => window.injected") is None
    caught = CSP_VIOLATIONS[seen:]
    assert caught and "script-src" in caught[0]
    del CSP_VIOLATIONS[seen:]  # expected here; anywhere else it fails the test


def test_home_page_serves_and_is_accessible(page):
    response = page.goto("/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "vi"
    check_a11y(page, context="home (anonymous)")


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_demo_login_works_and_shows_the_account(page, username):
    login(page, username)
    page.goto("/account/")
    assert page.locator("h1").inner_text().strip() == "Tài khoản của tôi"
    assert username in page.content()
    check_a11y(page, context=f"account page of {username}")


def test_learner_account_shows_agency_and_role(page):
    login(page, "learner")
    page.goto("/account/")
    body = page.locator("main").inner_text()
    assert "Học viên" in body
    # The demo learner is an official of a commune of the new Bắc Ninh.
    assert re.search(r"(Xã|Phường)\s", body), body


def test_wrong_password_is_refused_with_a_message(page):
    page.goto("/accounts/login/")
    check_a11y(page, context="login page")
    page.fill("input[name=username]", "learner")
    page.fill("input[name=password]", "sai-mat-khau")
    submit(page)
    assert "/accounts/login/" in page.url
    assert page.locator("main [role=alert], main .errorlist, main .message").count() >= 1


def test_language_switch_to_english_and_back(page):
    page.goto("/")
    submit(page, "form.lang-switch button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Log in" in page.locator("header").inner_text()
    submit(page, "form.lang-switch button[value=vi]")
    assert "Đăng nhập" in page.locator("header").inner_text()


def test_password_reset_by_email_link(page, server_env):
    page.goto("/accounts/password-reset/")
    check_a11y(page, context="password reset form")
    mail_dir = Path(server_env["EMAIL_URL"].removeprefix("file://"))
    before = set(mail_dir.glob("*.log")) if mail_dir.exists() else set()
    address = manage_shell(
        server_env,
        "from lms.users.models import User; print(User.objects.get(username='learner').email)",
    )
    assert "@" in address, "the demo learner needs an email address"
    page.fill("input[name=email]", address)
    submit(page)
    assert "/accounts/password-reset/sent/" in page.url
    sent = sorted(set(mail_dir.glob("*.log")) - before)
    assert sent, "no reset email was written"
    message = email.message_from_bytes(sent[-1].read_bytes().split(b"\n-------", 1)[0])
    part = message.get_payload(0) if message.is_multipart() else message
    body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    link = re.search(r"https?://[^\s]+/accounts/reset/[^\s]+/", body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.fill("input[name=new_password1]", "Mat-khau-moi-2026")
    page.fill("input[name=new_password2]", "Mat-khau-moi-2026")
    submit(page)
    assert "/accounts/reset/done/" in page.url
    login(page, "learner", "Mat-khau-moi-2026")
    # Put the demo password back for the other journeys.
    manage_shell(
        server_env,
        "from lms.users.models import User; u = User.objects.get(username='learner'); "
        "u.set_password('demo12345'); u.save()",
    )


def test_phone_width_has_no_horizontal_scroll(browser, live_url):
    ctx = browser.new_context(base_url=live_url, viewport={"width": 360, "height": 740})
    page = ctx.new_page()
    login(page, "learner")
    for path in ("/", "/account/"):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 360px"
    ctx.close()


def test_keyboard_reaches_the_skip_link_first(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
