"""Certificate lookups counted per client: exact under 20 a window, in steps above, shared."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from lms.certificates import lookups

NOW = 1_800_000_000.0  # a fixed instant, at the start of a minute


def _request(ip="10.1.1.1"):
    return RequestFactory().get("/verify/x/", REMOTE_ADDR=ip)


def _run(count, ip="10.1.1.1", now=NOW):
    return [lookups.limited(_request(ip), now=now) for _ in range(count)]


@pytest.mark.parametrize("rate,limit", [("3/m", 3), ("19/m", 19), ("120/m", 120)])
def test_one_process_refuses_the_lookup_after_the_limit(settings, rate, limit):
    settings.CERTIFICATE_VERIFY_RATE = rate
    assert _run(limit) == [False] * limit
    assert _run(2) == [True, True]
    assert _run(1, ip="10.2.2.2") == [False]  # another client has its own count
    assert _run(1, now=NOW + 60) == [False]  # the next minute starts again


def test_counts_go_to_the_shared_cache_in_steps_of_a_tenth(settings):
    settings.CERTIFICATE_VERIFY_RATE = "100/m"
    _run(25)
    key = lookups.shared_key("10.1.1.1", int(NOW // 60), 60)
    assert cache.get(key) == 20  # two steps of 10 added; 5 still in this process


def test_processes_share_the_count_within_the_documented_bound(settings):
    """Two server processes (the second simulated by forgetting the first's memory): a client
    never gets more than the limit plus (step - 1) per process, whatever it asks."""
    settings.CERTIFICATE_VERIFY_RATE = "100/m"
    first = _run(60)
    lookups.forget_local()  # another process: only the shared count (60) is known there
    second = _run(60)
    passed = first.count(False) + second.count(False)
    assert 100 <= passed <= 100 + 2 * 9
    assert second[-1] is True


def test_a_full_table_of_clients_counts_the_rest_in_the_cache_at_once(settings, monkeypatch):
    settings.CERTIFICATE_VERIFY_RATE = "100/m"
    monkeypatch.setattr(lookups, "MAX_CLIENTS", 1)
    _run(1, ip="10.0.0.1")
    assert _run(100, ip="10.0.0.2") == [False] * 100
    assert _run(1, ip="10.0.0.2") == [True]
