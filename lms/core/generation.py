"""A generation: a token in the shared cache that a committed change replaces, so that what each
process derived from the database and keeps in memory is used only while nothing changed.

A change forgets this process's copies at once (the writer, an import or a test, never reads its
own stale copy before its commit) and replaces the token once its transaction commits: other
processes then read the committed rows. A process that read old rows under the old token keeps
them under that token, which nobody asks for any more. A cache that lost the token gets a new
one, and everything is read again: slower, never stale.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction


class Generation:
    """A token under ``key`` and the copies a process keeps under it (``kept``/``keep``)."""

    def __init__(self, key: str):
        self.key = key
        self.lock = threading.Lock()
        self._kept: dict = {}

    def token(self) -> str:
        """The current token: one cache read (a new token when the cache lost it)."""
        token = cache.get(self.key)
        if token is None:
            cache.add(self.key, uuid.uuid4().hex, timeout=None)
            token = cache.get(self.key) or ""
        return token

    def kept(self, name, token: str):
        """What this process keeps as ``name`` under ``token``, or None."""
        found = self._kept.get(name)
        return found[1] if found is not None and found[0] == token else None

    def keep(self, name, token: str, value, limit: int | None = None) -> None:
        """Keep ``value`` as ``name`` under ``token`` (past ``limit`` names, drop them all)."""
        with self.lock:
            if limit is not None and len(self._kept) >= limit:
                self._kept.clear()
            self._kept[name] = (token, value)

    def kept_or_read(self, name, read: Callable[[], object]):
        """The value kept as ``name`` under the current token, else ``read()`` kept."""
        token = self.token()
        value = self.kept(name, token)
        if value is None:
            value = read()
            self.keep(name, token, value)
        return value

    def changed(self, **_kwargs) -> None:
        """Signal receiver (also called by writes that send no signal)."""
        with self.lock:
            self._kept.clear()
        transaction.on_commit(self._bump)

    def _bump(self) -> None:
        cache.set(self.key, uuid.uuid4().hex, timeout=None)
