"""Rendering question texts safely, whatever their format."""

from django import template
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from wagtail.whitelist import Whitelister

from lms.courses.markdown import render_markdown

register = template.Library()


@register.filter
def rich(value, text_format="markdown"):
    """Question text, choice text, feedback or explanation as safe HTML."""
    value = value or ""
    if text_format == "html":
        return mark_safe(Whitelister().clean(value))  # noqa: S308 - allow-list cleaned
    if text_format == "plain":
        return mark_safe(linebreaks(value, autoescape=True))  # noqa: S308 - escaped by linebreaks
    return render_markdown(value)


@register.filter
def percent(value):
    """A ratio 0..1 as a whole percentage (for bars and shares)."""
    if value is None:
        return None
    return round(float(value) * 100)
