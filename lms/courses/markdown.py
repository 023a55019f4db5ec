"""Markdown and imported HTML to safe HTML: rendered, then cleaned by one allow-list sanitiser."""

from __future__ import annotations

import functools
import threading

import markdown as md_lib
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension

# What Markdown (with tables) produces, plus the inline tags of imported quiz HTML (GIFT, Moodle).
ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td", "a", "img", "code", "pre",
    "em", "strong", "b", "i", "sub", "sup", "blockquote", "hr", "br",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
# Anything else (javascript:, data:, vbscript:, however its letters are encoded) loses its URL;
# relative URLs are kept.
URL_SCHEMES = {"http", "https", "mailto"}
_ALIGN = {"align": {"left", "center", "right"}}


@functools.lru_cache(maxsize=4096)
def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values={"th": _ALIGN, "td": _ALIGN},
        set_tag_attribute_values={"table": {"class": "table"}},
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
    )


def clean_html(html: str) -> SafeString:
    """HTML from authors or imports, reduced to the allowed tags, attributes and URL schemes."""
    return mark_safe(_clean(html or ""))  # noqa: S308 - allow-list sanitised by nh3


class _NoRawHtml(Extension):
    """Drop Markdown's raw-HTML passthrough so "<script>" is shown as text to the author."""

    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API name
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


_local = threading.local()


def _parser() -> md_lib.Markdown:
    """One Markdown parser per thread, reset between texts (cheaper than building one)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = md_lib.Markdown(
            # Column alignment as an attribute: a style attribute would break the CSP.
            extensions=["tables", "sane_lists", _NoRawHtml()],
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
    return parser


@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return _clean(_parser().reset().convert(text))


def render_markdown(text: str) -> SafeString:
    """Render lesson Markdown (with pipe tables) to sanitised HTML; the same text renders once."""
    return mark_safe(_render(text or ""))  # noqa: S308 - allow-list sanitised by nh3
