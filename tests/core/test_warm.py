"""A server process does at its start what its first requests would otherwise do once."""

import importlib
import sys

from django.conf import settings
from django.urls import clear_url_caches, get_resolver, reverse

from lms.core.warm import warm_up


def test_warm_up_loads_the_urls_and_each_languages_reverse_table():
    clear_url_caches()
    resolver = get_resolver()
    assert not resolver._reverse_dict  # nothing built yet
    warm_up()
    built = set(resolver._reverse_dict)
    assert {code for code, _name in settings.LANGUAGES} <= built
    assert reverse("quizzes:my_results") == "/quizzes/my-results/"


def test_the_wsgi_module_warms_the_process_up(monkeypatch):
    calls = []
    monkeypatch.setattr("lms.core.warm.warm_up", lambda: calls.append(1))
    sys.modules.pop("lms.wsgi", None)
    module = importlib.import_module("lms.wsgi")
    assert calls == [1]
    assert callable(module.application)
