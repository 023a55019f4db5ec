"""Rendering question texts safely, whatever their format.

Images are shown only from our own media (the image library, where imports store them): any
other image (another site, ``data:``, ``javascript:``) is dropped from the output."""

import html
import re

from django import template
from django.conf import settings
from django.template.defaultfilters import linebreaksbr
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from lms.courses.markdown import clean_html, render_markdown

register = template.Library()

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\ssrc=("[^"]*"|'[^']*')""", re.IGNORECASE)


def _our_image(tag: str) -> str:
    found = _SRC.search(tag)
    src = html.unescape(found.group(1)[1:-1]) if found else ""
    prefix = settings.MEDIA_URL
    rest = src[len(prefix) :] if src.startswith(prefix) else ""
    if (
        rest
        and not rest.startswith(("/", "\\"))
        and not any(bad in rest for bad in ("//", "..", "\\", ":"))
    ):
        return tag
    return ""


def media_images_only(value: str):
    """Sanitised HTML with every image that is not one of our media files removed."""
    return mark_safe(_IMG.sub(lambda m: _our_image(m.group(0)), str(value)))  # noqa: S308


@register.filter
def rich(value, text_format="markdown"):
    """Question text, choice text, feedback or explanation as safe HTML."""
    value = value or ""
    if text_format == "html":
        return media_images_only(clean_html(value))
    if text_format == "plain":
        return clean_html(linebreaks(value, autoescape=True))
    return media_images_only(render_markdown(value))


@register.filter
def answer_text(value, text_format="plain"):
    """An answer or feedback shown inline: sanitised HTML for HTML questions, else escaped text."""
    value = value or ""
    if text_format == "html":
        return media_images_only(clean_html(value))
    return linebreaksbr(value, autoescape=True)


@register.filter
def percent(value):
    """A ratio 0..1 as a whole percentage (for bars and shares)."""
    if value is None:
        return None
    return round(float(value) * 100)
