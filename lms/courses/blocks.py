"""Lesson body blocks; each has its template in themes/default/templates/courses/blocks/."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from .markdown import render_markdown


class MarkdownBlock(blocks.TextBlock):
    """Markdown text, rendered with tables and sanitised."""

    def render_basic(self, value, context=None):
        return render_markdown(value)

    def get_searchable_content(self, value):
        return [value or ""]

    class Meta:
        icon = "doc-full"


def youtube_embed_url(url: str) -> str | None:
    """The privacy-enhanced embed URL for a YouTube link, or None for other sites."""
    parsed = urlparse(url or "")
    host = (parsed.hostname or "").lower()
    video_id = None
    if host.endswith("youtube.com"):
        video_id = parse_qs(parsed.query).get("v", [None])[0]
        if not video_id and parsed.path.startswith("/embed/"):
            video_id = parsed.path.split("/")[2]
    elif host == "youtu.be":
        video_id = parsed.path.lstrip("/")
    if video_id and re.fullmatch(r"[A-Za-z0-9_-]{6,20}", video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    return None


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(label=_("Title"), required=False)

    class Meta:
        icon = "doc-full-inverse"
        label = _("Document download")
        template = "courses/blocks/document.html"


class VideoBlock(blocks.StructBlock):
    """A video by URL: YouTube links become an embedded player, anything else a plain link."""

    url = blocks.URLBlock(label=_("Video URL"))
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["embed_url"] = youtube_embed_url(value.get("url"))
        return context

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"


class ExampleBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), required=False)
    body = MarkdownBlock(label=_("Example"))

    class Meta:
        icon = "pick"
        label = _("Example")
        template = "courses/blocks/example.html"


class SelfCheckBlock(blocks.StructBlock):
    question = blocks.TextBlock(label=_("Question"))
    answer = MarkdownBlock(label=_("Answer"))

    class Meta:
        icon = "help"
        label = _("Self-check")
        template = "courses/blocks/selfcheck.html"


class TableBlock(blocks.StructBlock):
    caption = blocks.CharBlock(label=_("Caption"), required=False)
    table = MarkdownBlock(label=_("Table (Markdown pipe table)"))

    class Meta:
        icon = "table"
        label = _("Table")
        template = "courses/blocks/table.html"


class CalloutBlock(MarkdownBlock):
    """Markdown shown in a box with a heading (remember, summary)."""

    heading = ""
    css_class = ""

    def render_basic(self, value, context=None):
        from django.template.loader import render_to_string

        return render_to_string(
            "courses/blocks/callout.html",
            {"heading": self.heading, "css_class": self.css_class, "body": render_markdown(value)},
        )


class RememberBlock(CalloutBlock):
    heading = _("Remember")
    css_class = "lesson-remember"

    class Meta:
        icon = "warning"
        label = _("Remember")


class SummaryBlock(CalloutBlock):
    heading = _("Summary")
    css_class = "lesson-summary"

    class Meta:
        icon = "list-ul"
        label = _("Summary")


LESSON_BLOCKS = [
    ("text", MarkdownBlock(label=_("Text (Markdown)"))),
    ("image", ImageBlock()),
    ("document", DocumentBlock()),
    ("video", VideoBlock()),
    ("example", ExampleBlock()),
    ("remember", RememberBlock()),
    ("selfcheck", SelfCheckBlock()),
    ("table", TableBlock()),
    ("summary", SummaryBlock()),
]
