"""The embedded default's file cache (lms/core/cache.py): it lists its directory now and then
only, and still keeps to MAX_ENTRIES."""

import pytest

from lms.core import cache as file_cache
from lms.core.cache import FileBasedCache


def _cache(path, max_entries, cull_frequency=3):
    return FileBasedCache(
        str(path), {"OPTIONS": {"MAX_ENTRIES": max_entries, "CULL_FREQUENCY": cull_frequency}}
    )


def _files(path) -> int:
    return len(list(path.glob("*.djcache")))


@pytest.fixture
def listings(monkeypatch):
    """How many times any file cache lists its directory."""
    count = {"n": 0}
    listing = FileBasedCache._list_cache_files

    def counted(self):
        count["n"] += 1
        return listing(self)

    monkeypatch.setattr(FileBasedCache, "_list_cache_files", counted)
    return count


def test_writes_far_from_the_limit_do_not_list_the_directory_each_time(tmp_path, listings):
    cache = _cache(tmp_path, max_entries=2000)
    for i in range(300):
        cache.set(f"k{i}", i)
    # Room for 2000 at the first write: the next listing is due after 2000 // WRITERS writes.
    assert listings["n"] == 1
    assert _files(tmp_path) == 300 and cache.get("k299") == 299


def test_a_full_cache_is_still_culled(tmp_path, listings):
    cache = _cache(tmp_path, max_entries=40)
    for i in range(400):
        cache.set(f"k{i}", i)
        assert _files(tmp_path) <= 40
    assert listings["n"] > 400 // (40 // file_cache.WRITERS)  # it did look, again and again
    assert cache.get("k399") == 399  # the last write is kept


def test_several_processes_writing_stay_within_the_limit(tmp_path):
    """Each process counts its own writes: WRITERS of them (here, caches with a count of their
    own each) share the room their listings saw, and overfill it by a few entries at most."""
    writers = [_cache(tmp_path, max_entries=200) for _ in range(file_cache.WRITERS)]
    counts, most = {}, 0
    for step in range(600):
        for n, cache in enumerate(writers):
            # Stand for separate processes: each has its own count of writes left.
            file_cache._writes_left.clear()
            file_cache._writes_left.update(counts.get(n, {}))
            cache.set(f"w{n}-{step}", step)
            counts[n] = dict(file_cache._writes_left)
            most = max(most, _files(tmp_path))
    assert 200 <= most <= 210  # it fills up, and stays within 5 % of MAX_ENTRIES


def test_cull_frequency_zero_empties_a_full_cache(tmp_path):
    cache = _cache(tmp_path, max_entries=20, cull_frequency=0)
    for i in range(21):
        cache.set(f"k{i}", i)
    assert _files(tmp_path) == 1 and cache.get("k20") == 20


def test_clear_forgets_the_count(tmp_path, listings):
    cache = _cache(tmp_path, max_entries=2000)
    cache.set("a", 1)
    cache.clear()
    cache.set("b", 2)
    assert _files(tmp_path) == 1 and cache.get("b") == 2
    assert listings["n"] == 3  # first write, clear, first write after the clear
