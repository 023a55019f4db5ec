"""A server process's start: what its first requests would otherwise each do once.

Django loads the URLconf (and with it every view module), builds each language's table of
reverse lookups, sets up the template engines and reads each language's catalogue lazily, in
the first request that needs them. Measured in a fresh process of the bench: its first QR
check-in took some 750 ms of CPU, 130 ms once the URLconf was loaded, against about 2 ms for
the next one. gunicorn starts two or more such processes, and again on every deploy or
restart: without this, the first people to reach each of them (a room checking in, a class
submitting) would wait for that. ``lms.wsgi`` runs it before the process takes requests.
"""

from __future__ import annotations

from django.conf import settings
from django.template import TemplateDoesNotExist, engines
from django.urls import get_resolver
from django.utils import translation

# Compiled at the start as well: the page every other page extends.
TEMPLATES = ("base.html",)


def warm_up() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports the URLconf and every view module
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # loads the language's catalogue
            resolver.reverse_dict  # noqa: B018 - built per language
    for engine in engines.all():
        for name in TEMPLATES:
            try:
                engine.get_template(name)
            except TemplateDoesNotExist:
                continue
