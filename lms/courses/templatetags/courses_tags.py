from django import template

from lms.courses.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value):
    """Render Markdown from a content file or the admin as sanitised HTML."""
    return render_markdown(value or "")
