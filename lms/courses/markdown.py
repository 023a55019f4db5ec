"""Markdown to safe HTML for lesson blocks: raw HTML is escaped and only safe link schemes kept."""

from __future__ import annotations

import functools
import threading

import markdown as md_lib
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#", "./", "../")


def _is_safe_url(url: str) -> bool:
    url = (url or "").strip()
    if not url:
        return True
    lowered = "".join(url.split()).lower()
    if ":" not in lowered.split("/", 1)[0]:
        return True  # relative URL without a scheme
    return lowered.startswith(SAFE_SCHEMES)


class _SafeLinks(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            for attr in ("href", "src"):
                if attr in element.attrib and not _is_safe_url(element.attrib[attr]):
                    del element.attrib[attr]
            if element.tag == "a" and element.get("href", "").startswith(("http://", "https://")):
                element.set("rel", "noopener")
            if element.tag == "table":
                element.set("class", "table")


class _SafeMarkdown(Extension):
    """Drop Markdown's raw-HTML passthrough so "<script>" is shown as text, never run."""

    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API name
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "lms_safe_links", 0)


_local = threading.local()


def _parser() -> md_lib.Markdown:
    """One Markdown parser per thread, reset between texts (cheaper than building one)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = md_lib.Markdown(
            extensions=["tables", "sane_lists", _SafeMarkdown()], output_format="html"
        )
    return parser


@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return _parser().reset().convert(text)


def render_markdown(text: str) -> SafeString:
    """Render lesson Markdown (with pipe tables) to sanitised HTML; the same text renders once."""
    return mark_safe(_render(text or ""))  # noqa: S308 - raw HTML is disabled above
