"""Rendering question texts safely, whatever their format."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import linebreaks

from lms.courses.markdown import clean_html, render_markdown

register = template.Library()


@register.filter
def rich(value, text_format="markdown"):
    """Question text, choice text, feedback or explanation as safe HTML."""
    value = value or ""
    if text_format == "html":
        return clean_html(value)
    if text_format == "plain":
        return clean_html(linebreaks(value, autoescape=True))
    return render_markdown(value)


@register.filter
def answer_text(value, text_format="plain"):
    """An answer or feedback shown inline: sanitised HTML for HTML questions, else escaped text."""
    value = value or ""
    if text_format == "html":
        return clean_html(value)
    return linebreaksbr(value, autoescape=True)


@register.filter
def percent(value):
    """A ratio 0..1 as a whole percentage (for bars and shares)."""
    if value is None:
        return None
    return round(float(value) * 100)
