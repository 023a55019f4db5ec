"""The file cache of the embedded default, without a directory listing on every write.

Django's ``FileBasedCache`` keeps ``MAX_ENTRIES`` by listing the whole cache directory before
each ``set`` (``_cull``): with a few hundred files that is some 2-3 ms of CPU per write, paid on
every request that caches a session or a user. ``FileBasedCache`` here lists it only when the
entries written since the last listing could have filled the room that listing saw: after a
listing finds ``n`` files, this process writes ``(MAX_ENTRIES - n) // WRITERS`` more before it
looks again (at once when the cache is full, when it culls as Django does). With up to
``WRITERS`` server processes writing, the cache stays at ``MAX_ENTRIES`` or a few entries above
it (each process counts its own writes, and the room each listing saw is shared out again by the
next); with more processes, by at most the room seen at the last listings. A cache in Redis
(``CACHE_URL``) does not use this.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache

# Server processes assumed to write at once (gunicorn's workers): each takes this share of the room.
WRITERS = 4

# Writes left before the next listing, per cache directory, for this process (Django makes one
# cache object per thread; the threads of a process share the count).
_writes_left: dict[str, int] = {}
_lock = threading.Lock()


class FileBasedCache(DjangoFileBasedCache):
    def _cull(self):
        with _lock:
            left = _writes_left.get(self._dir, 0)
            if left > 0:
                _writes_left[self._dir] = left - 1
                return
            # Claimed by this thread: the others write on meanwhile rather than list too.
            _writes_left[self._dir] = self._max_entries
        entries = None
        try:
            entries = len(self._list_cache_files())
            if entries >= self._max_entries:
                # As Django does: removes 1/CULL_FREQUENCY of the files (all of them with 0).
                super()._cull()
                f = self._cull_frequency
                entries = entries - entries // f if f else 0
        finally:
            with _lock:
                # A failed listing (entries None) leaves no room: the next write lists again.
                room = self._max_entries - entries if entries is not None else 0
                _writes_left[self._dir] = max(0, room) // WRITERS

    def clear(self):
        super().clear()
        with _lock:
            _writes_left.pop(self._dir, None)
