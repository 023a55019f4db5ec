"""The certificate PDF (A4 landscape), drawn by fpdf2 from the theme's layout file.

The layout (``themes/<theme>/certificates/certificate.json``) places text and the QR code in
millimetres; text may name the fields of ``CertificateText``. ``template_digest()`` hashes the
layout and this renderer's version: a stored PDF whose digest differs is drawn again on its next
download (``services.certificate_pdf_ensure``), so a new layout reaches old certificates without
a migration. The QR is drawn as vector squares (segno's matrix), which keeps the file small and
sharp when printed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF

logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every glyph

RENDERER_VERSION = "1"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"


@dataclass(frozen=True)
class CertificateText:
    """Everything a certificate prints, as text already formatted for the page."""

    issuer_name: str
    holder_name: str
    agency_name: str
    course_title: str
    session_title: str
    issued_on: str
    valid_until: str
    evidence: str
    code: str
    verify_url: str
    signer_name: str
    signer_title: str


def layout_path() -> Path:
    return Path(
        getattr(settings, "CERTIFICATE_LAYOUT", "")
        or settings.THEME_DIR / "certificates" / "certificate.json"
    )


@functools.cache
def _layout(path: Path, mtime: float) -> tuple[dict, str]:
    raw = path.read_bytes()
    try:
        layout = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{path}: not valid JSON ({exc})") from exc
    for number, element in enumerate(layout.get("elements", []), start=1):
        if element.get("type") not in {"text", "frame", "qr"}:
            raise ImproperlyConfigured(f"{path}: element {number} has an unknown type")
    digest = hashlib.sha256(raw + RENDERER_VERSION.encode()).hexdigest()
    return layout, digest


def load_layout() -> tuple[dict, str]:
    """The layout and its digest (read again when the file changes)."""
    path = layout_path()
    if not path.is_file():
        raise ImproperlyConfigured(f"Certificate layout {path} is missing")
    return _layout(path, path.stat().st_mtime)


def template_digest() -> str:
    return load_layout()[1]


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


# Latin, Vietnamese and punctuation: what names, titles and dates need. The fonts are cut down to
# these once per process (DejaVu has 6,000 glyphs; parsing and subsetting them for every page
# cost two thirds of the drawing time).
UNICODES = [
    *range(0x20, 0x250),
    *range(0x300, 0x370),  # combining marks (names typed in decomposed form)
    *range(0x1E00, 0x1F00),  # Latin Extended Additional: ạ ả ấ ầ ẩ ẫ ậ ... ỹ
    *range(0x2000, 0x2070),
    0x20AB,  # ₫
]


@functools.cache
def _small_font(source: Path, cache_dir: Path) -> Path:
    from fontTools import subset

    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp = f"{source.stem}-{int(source.stat().st_mtime)}-{RENDERER_VERSION}"
    target = cache_dir / f"{stamp}.ttf"
    if not target.is_file():
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=UNICODES)
        subsetter.subset(font)
        # One name per process and thread: two threads of one server rendering their first
        # certificates at once must not rename each other's file away.
        partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        subset.save_font(font, str(partial), options)
        partial.replace(target)  # atomic: another process or thread may be writing the same file
    return target


def _fonts(pdf: FPDF) -> None:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.is_file():
        # Without a Unicode font Vietnamese names would print as boxes: refuse loudly instead.
        raise ImproperlyConfigured(
            f"Font file {regular} is missing: install the fonts-dejavu-core package."
        )
    cache_dir = Path(settings.PRIVATE_MEDIA_ROOT) / "fonts"
    pdf.add_font(FONT, "", str(_small_font(regular, cache_dir)))
    pdf.add_font(FONT, "B", str(_small_font(bold if bold.is_file() else regular, cache_dir)))


def _qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    qr = segno.make(data, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=0))
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):  # one rectangle per run of dark modules
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x + start * module, y + r * module, (c - start) * module, module, "F")
            else:
                c += 1


def render(text: CertificateText) -> bytes:
    """The PDF of one certificate."""
    layout, _digest = load_layout()
    page = layout.get("page", {})
    pdf = FPDF(orientation=page.get("orientation", "landscape"), unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creator("ISO 9001 LMS")
    pdf.set_title(f"{text.holder_name} – {text.course_title}")
    _fonts(pdf)
    pdf.add_page()
    fields = asdict(text)
    for element in layout["elements"]:
        kind = element["type"]
        if kind == "frame":
            pdf.set_draw_color(*_rgb(element.get("color", "#000000")))
            pdf.set_line_width(element.get("line", 0.3))
            pdf.rect(element["x"], element["y"], element["w"], element["h"])
        elif kind == "qr":
            _qr(pdf, element["data"].format(**fields), element["x"], element["y"], element["size"])
        else:
            content = element["text"].format(**fields)
            if not content.strip():
                continue
            pdf.set_font(FONT, "B" if element.get("bold") else "", element.get("size", 11))
            pdf.set_text_color(*_rgb(element.get("color", "#000000")))
            pdf.set_xy(element["x"], element["y"])
            pdf.cell(element["w"], element["h"], content, align=element.get("align", "L"))
    return bytes(pdf.output())
