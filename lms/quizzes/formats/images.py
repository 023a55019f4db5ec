"""Images embedded in Moodle XML: decoded, checked and tied to the texts that show them.

Moodle writes each image of a text as ``<file name="x.png" path="/" encoding="base64">`` beside
the text, which refers to it as ``@@PLUGINFILE@@/x.png`` (Moodle 1.x: ``<image>`` with the
bytes in ``<image_base64>``). Only real images are accepted (PNG, JPEG, GIF, WebP, recognised
by their first bytes), within a size and pixel limit, so a "decompression bomb" is refused
before anything decodes it. Parsing never touches the database: the bytes travel in
``ParsedQuestion.files`` and the import stores them in the image library.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from urllib.parse import quote, unquote

import filetype
from PIL import Image

from .base import FormatError, ParsedQuestion

PLUGINFILE = "@@PLUGINFILE@@"
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 25_000_000  # e.g. 5000 x 5000
_REFERENCE = re.compile(re.escape(PLUGINFILE) + r"/([^\"'\s<>?#)]+)")
_SAFE_NAME = re.compile(r"^[^/\\\x00]{1,200}$")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(count / 1024))} KB"


def check_image(data: bytes, name: str, path: str, line: int | None) -> None:
    """Refuse what is not a PNG, JPEG, GIF or WebP image within the limits."""
    if len(data) > MAX_IMAGE_BYTES:
        raise FormatError(
            path,
            line,
            f"image {name!r} is {_size(len(data))}, over the limit of {_size(MAX_IMAGE_BYTES)}",
        )
    kind = filetype.guess(data[:261])
    if kind is None or kind.mime not in IMAGE_TYPES:
        found = f" ({kind.mime})" if kind is not None else ""
        raise FormatError(path, line, f"file {name!r} is not a PNG, JPEG, GIF or WebP image{found}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[kind.mime]]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise FormatError(
                        path,
                        line,
                        f"image {name!r} is {width} x {height} pixels, over the limit of "
                        f"{MAX_IMAGE_PIXELS:,} pixels",
                    )
                image.verify()
    except FormatError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FormatError(
            path, line, f"image {name!r} declares too many pixels (a decompression bomb)"
        ) from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a broken image
        raise FormatError(path, line, f"image {name!r} is damaged and cannot be read") from None


def decode(raw: str, name: str, path: str, line: int | None) -> bytes:
    try:
        return base64.b64decode("".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        raise FormatError(path, line, f"file {name!r} is not valid base64") from None


def embedded_files(node, path: str) -> dict[str, bytes]:
    """Every <file> inside the question (text, answers, feedback, items): name -> bytes."""
    files: dict[str, bytes] = {}
    stack = list(node.children)
    while stack:
        child = stack.pop()
        stack.extend(child.children)
        if child.tag != "file":
            continue
        name = child.attrs.get("name", "").strip()
        folder = child.attrs.get("path", "/").strip().strip("/")
        if not name or not _SAFE_NAME.match(name) or ".." in folder.split("/"):
            raise FormatError(path, child.line, f"<file> with an unusable name {name!r}")
        if child.attrs.get("encoding", "base64") != "base64":
            raise FormatError(path, child.line, f"file {name!r}: only base64 encoding is read")
        data = decode(child.text, name, path, child.line)
        check_image(data, name, path, child.line)
        files[f"{folder}/{name}" if folder else name] = data
    return files


def old_image(image, image_base64, path: str) -> tuple[str, bytes]:
    """Moodle 1.x <image>name</image><image_base64>...</image_base64>: (name, bytes)."""
    name = image.text.strip().replace("\\", "/").rsplit("/", 1)[-1]
    if not name or not _SAFE_NAME.match(name):
        raise FormatError(path, image.line, f"<image> with an unusable name {name!r}")
    if image_base64 is None or not image_base64.text.strip():
        raise FormatError(
            path,
            image.line,
            f"<image> refers to {name!r} but the file does not contain it (no <image_base64>)",
        )
    data = decode(image_base64.text, name, path, image_base64.line)
    check_image(data, name, path, image_base64.line)
    return quote(name), data


def texts(question: ParsedQuestion) -> list[str]:
    return [
        question.text,
        question.explanation,
        question.feedback_true,
        question.feedback_false,
        *(c.text for c in question.choices),
        *(c.feedback for c in question.choices),
    ]


def references(question: ParsedQuestion, path: str) -> None:
    """Every @@PLUGINFILE@@ reference must name a file the question carries; keep only those."""
    used: dict[str, bytes] = {}
    by_name = {quote(name): data for name, data in question.files.items()}
    by_name.update({name: data for name, data in question.files.items()})
    for text in texts(question):
        for raw in _REFERENCE.findall(text or ""):
            name = unquote(raw)
            data = question.files.get(name, by_name.get(raw))
            if data is None:
                raise FormatError(
                    path, question.line, f"the text refers to the file {name!r}, which is missing"
                )
            used[raw] = data
    question.files = used


def rewrite(question: ParsedQuestion, urls: dict[str, str]) -> None:
    """Replace "@@PLUGINFILE@@/<name>" by the stored image's URL in every text."""

    def swap(text: str) -> str:
        return _REFERENCE.sub(lambda m: urls.get(m.group(1), m.group(0)), text or "")

    question.text = swap(question.text)
    question.explanation = swap(question.explanation)
    question.feedback_true = swap(question.feedback_true)
    question.feedback_false = swap(question.feedback_false)
    for choice in question.choices:
        choice.text = swap(choice.text)
        choice.feedback = swap(choice.feedback)
