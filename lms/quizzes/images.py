"""Images of imported questions in the Wagtail image library, and back out for export.

An import stores each embedded image once (the same bytes are found again by their hash, so a
re-import changes nothing) in the "Câu hỏi nhập từ Moodle" collection, and the question texts
point at the stored original under MEDIA_URL. Exporting to Moodle XML reads those images back
and embeds them again as base64 <file> elements.
"""

from __future__ import annotations

import io
import posixpath
import re
from urllib.parse import quote, unquote

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.utils.file import hash_filelike

from .formats.base import ParsedQuestion
from .formats.images import PLUGINFILE, rewrite

COLLECTION_NAME = "Câu hỏi nhập từ Moodle"
_MEDIA_IMG = re.compile(r"""(<img\b[^>]*?\bsrc=["'])([^"']+)(["'])""", re.IGNORECASE)


def import_collection() -> Collection:
    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=COLLECTION_NAME).first()
    return found or root.add_child(name=COLLECTION_NAME)


def store_images(questions: list[ParsedQuestion], *, create: bool = True) -> int:
    """Store the questions' embedded images and point their texts at them; returns how many
    were added to the library. With ``create=False`` (a dry run) nothing is written: images
    already in the library are still found, so the summary counts stay true."""
    image_model = get_image_model()
    added = 0
    by_hash: dict[str, str] = {}
    collection = None
    for question in questions:
        urls = {}
        for raw, data in question.files.items():
            digest = hash_filelike(io.BytesIO(data))
            if digest not in by_hash:
                found = image_model.objects.filter(file_hash=digest).first()
                if found is None and create:
                    if collection is None:
                        with transaction.atomic():
                            collection = import_collection()
                    name = posixpath.basename(unquote(raw))
                    found = image_model(
                        title=name[:255],
                        collection=collection,
                        file=ImageFile(io.BytesIO(data), name=name),
                    )
                    found._set_image_file_metadata()
                    found.save()
                    added += 1
                if found is not None:
                    by_hash[digest] = found.file.url
            if digest in by_hash:
                urls[raw] = by_hash[digest]
        rewrite(question, urls)
        question.files = {}
    return added


def embed_images(question: ParsedQuestion) -> ParsedQuestion:
    """Images of the library the texts show (by their URL) become embedded files again."""
    image_model = get_image_model()
    prefix = settings.MEDIA_URL
    stored: dict[str, str] = {}

    def swap(match: re.Match) -> str:
        url = match.group(2)
        if not url.startswith(prefix):
            return match.group(0)
        name = unquote(url[len(prefix) :])
        if name not in stored:
            image = image_model.objects.filter(file=name).first()
            if image is None:
                return match.group(0)
            with image.open_file() as handle:
                data = handle.read()
            raw = quote(posixpath.basename(name))
            question.files[raw] = data
            stored[name] = raw
        return f"{match.group(1)}{PLUGINFILE}/{stored[name]}{match.group(3)}"

    def texts(value: str) -> str:
        return _MEDIA_IMG.sub(swap, value or "")

    question.text = texts(question.text)
    question.explanation = texts(question.explanation)
    question.feedback_true = texts(question.feedback_true)
    question.feedback_false = texts(question.feedback_false)
    for choice in question.choices:
        choice.text = texts(choice.text)
        choice.feedback = texts(choice.feedback)
    return question
