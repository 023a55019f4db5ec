from django import template

from lms.courses.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value):
    """Render Markdown from a content file or the admin as sanitised HTML."""
    return render_markdown(value or "")


@register.simple_tag(takes_context=True)
def course_index_url(context):
    """The public course catalogue page (the CourseIndexPage), or "" before content is synced."""
    from lms.courses.models import CourseIndexPage

    request = context.get("request")
    index = CourseIndexPage.objects.live().only("id", "url_path").first()
    return index.get_url(request) if index else ""
