"""The certificate PDF: Vietnamese text intact, and a QR code that opens the verify page."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from lms.certificates import pdf
from lms.certificates.services import certificate_text, verify_url


def _text(certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert width > height  # landscape
    assert round(width / 72 * 25.4) == 297 and round(height / 72 * 25.4) == 210  # A4
    return page.extract_text()


def test_pdf_holds_the_holder_course_and_issuer_with_diacritics(issued):
    text = _text(issued)
    for expected in (
        "Nguyễn Thị Hồng Nhung",
        "Đánh giá nội bộ theo TCVN ISO 9001:2015",
        "GIẤY CHỨNG NHẬN",
        "Ban Chỉ đạo ISO 9001 tỉnh",
        "Trưởng Ban Chỉ đạo ISO",
        "Xã A1",
        issued.code,
        f"{issued.issued_on:%d/%m/%Y}",
        f"{issued.valid_until:%d/%m/%Y}",
        "Điểm bài kiểm tra cuối khóa: 100 %",
    ):
        assert expected in text, expected


def test_signer_comes_from_the_editable_settings(issued):
    from lms.certificates.models import CertificateSettings

    site = CertificateSettings.load()
    site.signer_name = "Trần Thị Bích Ngọc"
    site.signer_title = "Phó Chủ tịch UBND tỉnh"
    site.save()
    content = pdf.render(certificate_text(issued))
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Trần Thị Bích Ngọc" in text and "Phó Chủ tịch UBND tỉnh" in text


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils")
def test_the_qr_code_decodes_to_the_verify_url(issued, tmp_path):
    import cv2

    source = tmp_path / "c.pdf"
    with issued.pdf.open("rb") as handle:
        source.write_bytes(handle.read())
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
    )
    image = cv2.imread(str(tmp_path / "page.png"))
    data, _points, _straight = cv2.QRCodeDetector().detectAndDecode(image)
    assert data == verify_url(issued.code)
    assert data.endswith(f"/verify/{issued.code}/")


def test_a_broken_layout_names_the_file(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    bad = tmp_path / "layout.json"
    bad.write_text('{"elements": [{"type": "circle"}]}')
    settings.CERTIFICATE_LAYOUT = str(bad)
    with pytest.raises(ImproperlyConfigured, match="element 1 has an unknown type"):
        pdf.load_layout()
