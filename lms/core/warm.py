"""A server process's start: what its first requests would otherwise each do once.

Django loads the URLconf (and with it every view module), builds each language's table of
reverse lookups, sets up the template engines, compiles each template and reads each language's
catalogue lazily, in the first request that needs them. Measured in a fresh process of the
bench: its first QR check-in took some 750 ms of CPU, 130 ms once the URLconf was loaded,
against about 2 ms for the next one. gunicorn starts two or more such processes, and again on
every deploy or restart: without this, the first people to reach each of them (a room checking
in, a class submitting) would wait for that. ``lms.wsgi`` runs it before the process takes
requests; it costs each process some 0.3 s of CPU (the project's 135 templates), once.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


def project_templates() -> Iterator[str]:
    """The names of the project's own templates: the theme's and those of the apps under lms/
    (not Wagtail's or the Django admin's, which only editors and admins load)."""
    folders = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", ())]
    own = Path(settings.BASE_DIR) / "lms"
    folders += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(own)
    ]
    for folder in folders:
        for path in sorted(folder.rglob("*.html")):
            yield path.relative_to(folder).as_posix()


def warm_up() -> None:
    """Load the URLs, each language's reverse table and catalogue, and the templates; then
    leave what was loaded out of the garbage collector's full passes (see ``_freeze``)."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports the URLconf and every view module
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # loads the language's catalogue
            resolver.reverse_dict  # noqa: B018 - built per language
    engine = engines["django"]
    for name in project_templates():
        try:
            engine.get_template(name)  # compiled once and kept by the cached loader
        except TemplateSyntaxError:
            # Not fatal here: the page that uses it fails as it would have; the rest is served.
            logger.exception("Template %s does not compile", name)
    _freeze()


def _freeze() -> None:
    """What the process has loaded (modules, classes, URL patterns, compiled templates: some
    240,000 objects) lives as long as the process: move it out of the collector's reach
    (``gc.freeze``). Each full collection otherwise walks all of it again, some 150 ms of CPU
    at a time, measured in a worker of the bench, taken from whichever request happened to
    trigger it; with them frozen a full pass walks only what requests have created since."""
    gc.collect()
    gc.freeze()
