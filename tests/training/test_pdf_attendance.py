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


# --- the cards' layout, checked on the rendered pages (issue 12) -----------------------------

MM = 72 / 25.4  # PDF points per millimetre


def _card_boxes(page_no: int, count: int):
    """(x, y, w, h) in mm of the cards on a page, as roster_cards_pdf lays them out."""
    margin, card_w, card_h = 10, (210 - 20) / 2, (297 - 20) / 4
    boxes = []
    for slot in range(min(count - page_no * pdf.CARDS_PER_PAGE, pdf.CARDS_PER_PAGE)):
        boxes.append((margin + (slot % 2) * card_w, margin + (slot // 2) * card_h, card_w, card_h))
    return boxes


def _render(content: bytes, tmp_path, dpi=150) -> list[Path]:
    import shutil
    import subprocess

    assert shutil.which("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils"
    source = tmp_path / "cards.pdf"
    source.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(source), str(tmp_path / "page")], check=True
    )
    return sorted(tmp_path.glob("page-*.png"))


def test_cards_pdf_every_qr_decodes_and_every_code_prints_beside_it(tmp_path):
    cv2 = pytest.importorskip("cv2")
    long_agency = "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường Bắc Giang, tỉnh Bắc Ninh"
    cards = [
        pdf.Card(f"Nguyễn Thị Hồng Nhung {i}", long_agency if i % 3 == 0 else "Bắc Ninh", code)
        for i, code in enumerate(f"{100 + i}-ABCDEFGHJK{i:02d}" for i in range(11))
    ]
    title = "Lớp tập huấn áp dụng TCVN ISO 9001:2015 cho cán bộ cấp xã – đợt 1 năm 2026"
    content = pdf.roster_cards_pdf(session_title=title, cards=cards)
    images = _render(content, tmp_path)
    assert len(images) == 2
    dpi_scale = 150 / 25.4  # pixels per mm
    detector = cv2.QRCodeDetector()
    decoded = []
    for page_no, image_path in enumerate(images):
        image = cv2.imread(str(image_path))
        for x, y, _w, h in _card_boxes(page_no, len(cards)):
            # The left part of the card holds the QR; decode it from that crop alone.
            crop = image[
                int(y * dpi_scale) : int((y + h) * dpi_scale),
                int(x * dpi_scale) : int((x + 44) * dpi_scale),
            ]
            value, _points, _raw = detector.detectAndDecode(crop)
            decoded.append(value)
    assert decoded == [c.code for c in cards]

    # The text: every card's code prints inside its own card, right of its QR; nothing prints
    # over a QR code (the title and the codes used to land on the left card's QR).
    reader = PdfReader(io.BytesIO(content))
    for page_no, page in enumerate(reader.pages):
        height = float(page.mediabox.height)
        fragments = []

        def visit(text, cm, tm, font_dict, font_size, fragments=fragments, height=height):
            if text.strip():
                # tm[4], tm[5]: the text's origin in points from the bottom left.
                fragments.append((text.strip(), tm[4] / MM, (height - tm[5]) / MM))

        page.extract_text(visitor_text=visit)
        boxes = _card_boxes(page_no, len(cards))
        for slot, (x, y, w, h) in enumerate(boxes):
            card = cards[page_no * pdf.CARDS_PER_PAGE + slot]
            qr_right = x + 4 + 34
            where = [(fx, fy) for text, fx, fy in fragments if text == card.code]
            assert len(where) == 1, (card.code, fragments)
            fx, fy = where[0]
            assert qr_right < fx < x + w and y < fy < y + h, (card.code, fx, fy, (x, y, w, h))
            for text, fx, fy in fragments:
                inside_qr = x + 4 <= fx <= qr_right and y + (h - 34) / 2 <= fy <= y + (h + 34) / 2
                assert not inside_qr, f"“{text}” prints over the QR code of card {slot + 1}"
