"""From a roster row to a login: import with accounts, activation email, password, login."""

import email
import email.policy
import re
from pathlib import Path
from urllib.parse import urlsplit

from .conftest import check_a11y, login, submit

PASSWORD = "Kich-hoat-2026!"


def _mail_to(mail_dir: Path, address: str):
    for path in sorted(mail_dir.glob("*")) if mail_dir.is_dir() else []:
        for chunk in path.read_bytes().split(b"-" * 79):  # the file backend's separator
            if chunk.strip():
                msg = email.message_from_bytes(chunk.strip(), policy=email.policy.default)
                if address in str(msg.get("To", "")):
                    return msg
    return None


def test_secretary_imports_with_accounts_and_the_official_activates(
    page, browser, live_url, server_env, tmp_path
):
    login(page, "secretary")
    page.goto("/agencies/import/")
    roster = tmp_path / "tai-khoan.csv"
    roster.write_text(
        "mã cán bộ,họ và tên,email,đơn vị,chức vụ\n"
        "E2E-TK-01,Hoàng Thị Lan,lan.ht.e2e@example.org,07210,Công chức văn hóa\n"
        "E2E-TK-02,Vũ Văn Nam,nam.vv.e2e@example.org,07210,Công chức địa chính\n",
        encoding="utf-8",
    )
    page.set_input_files("input[type=file]", str(roster))
    page.check("input[name=create_accounts]")
    submit(page, "main form button[type=submit]")
    success = page.locator("main .message-success").inner_text()
    assert "Tài khoản: tạo mới 2" in success, success

    mail_dir = Path(server_env["EMAIL_URL"].removeprefix("file://"))
    msg = _mail_to(mail_dir, "lan.ht.e2e@example.org")
    assert msg is not None, f"no activation email to lan.ht.e2e@example.org in {mail_dir}"
    assert _mail_to(mail_dir, "nam.vv.e2e@example.org") is not None
    link = re.search(r"https?://\S+/accounts/activate/\S+/", msg.get_content()).group(0)

    person = browser.new_context(base_url=live_url, locale="vi-VN").new_page()
    person.goto(urlsplit(link).path)
    check_a11y(person, context="activation form")
    person.fill("input[name=new_password1]", PASSWORD)
    person.fill("input[name=new_password2]", PASSWORD)
    submit(person)
    assert person.url.endswith("/accounts/activated/")
    check_a11y(person, context="account activated")
    person.goto(urlsplit(link).path)  # the link works once
    assert "Không thể dùng đường dẫn kích hoạt này" in person.locator("main").inner_text()
    person.context.close()

    again = browser.new_context(base_url=live_url, locale="vi-VN").new_page()
    login(again, "E2E-TK-01", PASSWORD)  # the staff code is the login
    again.goto("/account/")
    assert again.locator("input[name=full_name]").input_value() == "Hoàng Thị Lan"
    again.context.close()
