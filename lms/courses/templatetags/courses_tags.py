from django import template
from django.core.cache import cache

from lms.courses.markdown import render_markdown

register = template.Library()

INDEX_URL_KEY = "courses:index-url-path"
INDEX_URL_SECONDS = 300


@register.filter(name="markdown")
def markdown_filter(value):
    """Render Markdown from a content file or the admin as sanitised HTML."""
    return render_markdown(value or "")


@register.simple_tag(takes_context=True)
def course_index_url(context):
    """The public course catalogue page (the CourseIndexPage), or "" before content is synced."""
    from lms.courses.models import CourseIndexPage
    from lms.courses.selectors import relative_url

    # Every anonymous page shows this link: keep the index's url_path in the cache for a while
    # (a renamed or moved index shows within INDEX_URL_SECONDS) instead of a query per page.
    url_path = cache.get(INDEX_URL_KEY)
    if url_path is None:
        index = CourseIndexPage.objects.live().only("id", "url_path").first()
        if index is None:
            return ""
        url_path = index.url_path
        cache.set(INDEX_URL_KEY, url_path, INDEX_URL_SECONDS)
    return relative_url(url_path) or ""
