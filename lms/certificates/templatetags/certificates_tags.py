from django import template

from ..selectors import latest_batch

register = template.Library()


@register.inclusion_tag("certificates/_session_batch.html")
def session_certificates(session):
    """The session's certificate batch and its progress (for the trainer's session page)."""
    return {"session": session, "batch": latest_batch(session)}
