"""Sign-in sheet and QR cards: Vietnamese text survives into the PDF."""

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from pypdf import PdfReader

from lms.training import checkin, pdf
from tests.factories.training_attendance import attendance_world


def _text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


def test_signin_sheet_with_fake_data_keeps_diacritics():
    rows = [pdf.SheetRow(1, "Nguyễn Thị Hồng Nhung", "UBND xã Bắc Ninh", "Chuyên viên")]
    content = pdf.signin_sheet_pdf(
        title="Lớp tập huấn ISO 9001:2015",
        day_label="01/12/2026",
        venue="Bắc Ninh",
        rows=rows,
        qr_url="https://x/",
    )
    pages, text = _text(content)
    assert pages == 1
    assert "Nguyễn Thị Hồng Nhung" in text and "Bắc Ninh" in text and "Lớp tập huấn" in text
    page = PdfReader(io.BytesIO(content)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape


def test_cards_pdf_eight_per_page():
    cards = [pdf.Card(f"Nguyễn Thị Hồng Nhung {i}", "Bắc Ninh", f"{i}-ABC") for i in range(9)]
    pages, text = _text(pdf.roster_cards_pdf(session_title="Lớp tập huấn", cards=cards))
    assert pages == 2
    assert "Nguyễn Thị Hồng Nhung" in text and "Bắc Ninh" in text


def test_missing_font_fails_clearly(monkeypatch):
    monkeypatch.setattr(pdf, "FONT_REGULAR", Path("/nonexistent/DejaVuSans.ttf"))
    with pytest.raises(ImproperlyConfigured, match="DejaVuSans.ttf"):
        pdf.signin_sheet_pdf(title="x", day_label="x", venue="", rows=[])


@pytest.fixture
def world(make_user, tree):
    return attendance_world(make_user, tree, officials=3)


def test_signin_sheet_view(client, world):
    day = world["day"]
    client.force_login(world["trainer"])
    response = client.get(
        reverse("training:signin_sheet_pdf", kwargs={"pk": day.session_id, "day_pk": day.pk})
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    _, text = _text(response.content)
    assert "Nguyễn Thị Hồng Nhung" in text and "Lớp tập huấn ISO tại Bắc Ninh" in text
    assert "01/12/2026" in text


def test_cards_view_prints_each_official_with_their_code(client, world):
    client.force_login(world["trainer"])
    response = client.get(reverse("training:roster_cards_pdf", kwargs={"pk": world["session"].pk}))
    assert response.status_code == 200
    _, text = _text(response.content)
    for registration in world["registrations"]:
        assert checkin.card_code(registration=registration) in text.replace(" ", "")
    assert "Nguyễn Thị Hồng Nhung" in text
