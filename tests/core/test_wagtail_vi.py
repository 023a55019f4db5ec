"""Wagtail's admin and moderation emails in correct Vietnamese (lms/wagtail_vi overrides)."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import wagtail
from babel.messages.pofile import read_po
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.models import Page

from lms.core.models import Role

OVERRIDES = Path(__file__).resolve().parents[2] / "lms/wagtail_vi/locale/vi/LC_MESSAGES/django.po"


def _catalogue(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def test_every_override_is_a_string_the_installed_wagtail_has():
    """After a Wagtail upgrade a renamed string would silently fall back to English."""
    wagtail_ids = set()
    for po in Path(wagtail.__file__).parent.glob("**/locale/en/LC_MESSAGES/django.po"):
        wagtail_ids |= {m.id for m in _catalogue(po) if m.id}
    overrides = [m for m in _catalogue(OVERRIDES) if m.id]
    assert len(overrides) > 150
    assert [m.id for m in overrides if m.id not in wagtail_ids] == []
    assert [m.id for m in overrides if not m.string] == []


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        ("Pages", "Trang"),
        ("Sites", "Trang web"),
        ("Site", "Trang web"),
        ("Documents", "Tài liệu"),
        ("Images", "Hình ảnh"),
        ("Collections", "Bộ sưu tập"),
        ("Workflows", "Quy trình duyệt"),
        ("Save draft", "Lưu bản nháp"),
        ("Unpublish", "Ngừng xuất bản"),
        ("Submit for moderation", "Gửi duyệt"),
    ],
)
def test_the_admin_words_editors_see_are_vietnamese(english, vietnamese):
    with translation.override("vi"):
        assert translation.gettext(english) == vietnamese


def test_approve_and_publish_reads_as_vietnamese():
    """Wagtail's own catalogue glued it into "Phê chuẩnvà Xuất bản"."""
    with translation.override("vi"):
        label = translation.gettext("Approve")
        assert translation.gettext("%(label)s and Publish") % {"label": label} == (
            "Chấp thuận và xuất bản"  # "Approve" as the agency requests say it
        )


@pytest.fixture
def editor_client(make_user, tree):
    user = make_user(role=Role.ADMIN, username="qtv", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    """The page with the sidebar's JSON props unescaped (they are \\u-escaped)."""
    html = response.content.decode()
    return html + json.loads(json.dumps(html).replace("\\\\u", "\\u"))


def test_the_admin_sidebar_and_the_page_editor_render_in_vietnamese(editor_client):
    home = editor_client.get(reverse("wagtailadmin_home"), HTTP_ACCEPT_LANGUAGE="vi")
    assert home.status_code == 200
    text = _text(home)
    for label in ("Hình ảnh", "Tài liệu", "Bộ sưu tập", "Trang web", "Quy trình duyệt"):
        assert label in text, label
    assert "Phân trang" not in text
    assert '"label": "Documents"' not in text and '"label": "Sites"' not in text
    page = Page.objects.filter(depth=2).first()
    editor = editor_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert editor.status_code == 200
    text = _text(editor)
    assert "Xuất bản" in text and "Lưu bản nháp" in text
    assert ">Publish<" not in text


def test_moderation_emails_are_vietnamese():
    context = {
        "user": SimpleNamespace(get_short_name=lambda: "An", get_username=lambda: "an"),
        "page": SimpleNamespace(get_admin_display_title=lambda: "Bài 1", id=3, pk=3),
        "workflow": SimpleNamespace(name="Duyệt nội dung"),
        "requested_by": None,
        "revision": None,
        "model_name": "trang",
    }
    with translation.override("vi"):
        body = render_to_string("wagtailadmin/notifications/workflow_state_submitted.txt", context)
    assert "Xin chào An," in body
    assert 'Trang "Bài 1" đã được gửi duyệt theo quy trình "Duyệt nội dung"' in body
    assert "Thay đổi cài đặt nhận thông báo tại:" in body
