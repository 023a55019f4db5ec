"""A server process does at its start what its first requests would otherwise do once."""

import gc
import importlib
import sys

from django.conf import settings
from django.template import engines
from django.urls import clear_url_caches, get_resolver, reverse

from lms.core.warm import project_templates, warm_up


def test_warm_up_loads_the_urls_each_languages_reverse_table_and_the_templates():
    clear_url_caches()
    engine = engines["django"].engine
    for loader in engine.template_loaders:
        loader.reset()
    resolver = get_resolver()
    assert not resolver._reverse_dict  # nothing built yet
    warm_up()
    built = set(resolver._reverse_dict)
    assert {code for code, _name in settings.LANGUAGES} <= built
    assert reverse("quizzes:my_results") == "/quizzes/my-results/"
    cached = {name for loader in engine.template_loaders for name in loader.get_template_cache}
    names = set(project_templates())
    assert {"base.html", "training/attendance/checkin.html"} <= names
    assert names <= cached
    # What was loaded is out of the collector's full passes.
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()


def test_every_template_of_the_project_compiles():
    """What warm_up would log and skip must not exist."""
    engine = engines["django"]
    names = list(project_templates())
    assert len(names) > 100
    for name in names:
        engine.get_template(name)  # raises TemplateSyntaxError for a broken one


def test_the_wsgi_module_warms_the_process_up(monkeypatch):
    calls = []
    monkeypatch.setattr("lms.core.warm.warm_up", lambda: calls.append(1))
    sys.modules.pop("lms.wsgi", None)
    module = importlib.import_module("lms.wsgi")
    assert calls == [1]
    assert callable(module.application)
