"""This process's copy of cache entries whose key names a generation.

Such an entry never changes (a change makes a new generation, so new keys: see ``cachekeys``),
so it is safe to keep in memory and saves a read of the shared cache on every request. Least
recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class Memo:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# The one memo of the courses' page cache (the lesson fast path, the outline's parts).
memo = Memo(4096)
