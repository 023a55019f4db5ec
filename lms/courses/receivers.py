"""Signal receivers connected in CoursesConfig.ready()."""

from django.conf import settings
from django.core.cache import cache

from .selectors import lesson_body_cache_key


def forget_lesson_body(sender, instance, revision=None, **kwargs):
    """Drop the cached body of a lesson when it is (re)published."""
    revision_ids = {instance.live_revision_id, getattr(revision, "pk", None)}
    cache.delete_many(
        [
            lesson_body_cache_key(instance.pk, revision_id, language)
            for revision_id in revision_ids
            for language, _name in settings.LANGUAGES
        ]
    )
