"""``{% site_header %}``: the site header of every page built on base.html, rendered once per
process for each kind of header and filled in on each request (``lms.core.skeleton``).

The header (``includes/site_header.html``: the menu, the search and language forms, the account
link) is the same for everyone who shares a language, a sign-in state and the menu's role flags,
except for three values: the CSRF token of its forms, the path the language switch returns to and
the signed-in user's name. Rendered through the template engine on every page it cost about as
much CPU as the rest of a quiz page's template (the menu, two forms, a loop over the languages, a
dozen translations and URL reversals, a cache read for the menu).
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from lms.core import skeleton
from lms.core.release import release

register = template.Library()

TEMPLATE = "includes/site_header.html"
SLOTS = ("csrf", "next", "user")


class _Nobody:
    is_authenticated = False
    is_anonymous = True
    display_name = ""


def _flags(nav) -> tuple:
    flags = nav() if callable(nav) else nav
    return tuple(sorted((flags or {}).items()))


@register.simple_tag(takes_context=True)
def site_header(context) -> str:
    request = context.get("request")
    user = context.get("user")
    csrf = context.get("csrf_token")
    signed_in = bool(user is not None and user.is_authenticated)
    nav = context.get("lms_nav")

    def build(markers) -> str:
        return render_to_string(
            TEMPLATE,
            {
                "request": request,
                "user": skeleton.StandIn(markers("user")) if signed_in else _Nobody(),
                "csrf_token": markers("csrf"),
                "header_next": markers("next"),
                "lms_nav": nav,
                "lms_release": release(),
            },
        )

    kept = None
    if request is not None and csrf:
        key = (TEMPLATE, signed_in, _flags(nav) if signed_in else ())
        kept = skeleton.parts(key, SLOTS, build)
    if kept is None:
        # Rendered outside a request, without CSRF protection, or the template changed shape.
        path = request.get_full_path() if request is not None else ""
        return render_to_string(TEMPLATE, {**context.flatten(), "header_next": path})
    values = {
        "csrf": str(csrf),
        "next": request.get_full_path(),
        "user": user.display_name if signed_in else "",
    }
    return mark_safe(skeleton.fill(kept, values))
