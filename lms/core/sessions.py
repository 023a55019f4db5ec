"""Sessions from the cache, read together with their user in one round trip.

A logged-in page reads the session from the cache, then the user it names (lms/core/auth.py):
two round trips to Redis, one after the other, because the user's key is only known once the
session is read. A session never changes hands, though: the key Django gives a session at login
(``cycle_key``) names that user for as long as it lives, and a new login gets a new key. So this
process remembers which user each session key it has read belongs to, and the next time it
reads that session it reads the user's cache entry in the same ``get_many`` (one MGET on Redis).
The user found is handed to ``CachedModelBackend.get_user`` (``take_prefetched_user``) for this
request only, and only if the session read from the cache names that same user; anything else
(a session only in the database, a user no longer cached, another user) takes the ordinary way.

A view that knows, before the session is read, which other cache entries it will need (the lesson
fast path: the learner's state, see lms/courses/learners.py) names them with ``read_along``; they
come in the same MGET, and ``found_along`` hands them over (None if they were not read with it).
"""

from __future__ import annotations

import contextvars
import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import DEFAULT_CACHE_ALIAS
from django.core.signals import request_finished

# (user id as the session holds it, the cached user) read with this request's session.
_prefetched: contextvars.ContextVar[tuple | None] = contextvars.ContextVar(
    "lms_prefetched_user", default=None
)
# Keys to read with this request's session, then (keys, what was found of them).
_along: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("lms_along", default=None)
_along_found: contextvars.ContextVar[tuple | None] = contextvars.ContextVar(
    "lms_along_found", default=None
)


def read_along(keys) -> None:
    """Read these cache keys with this request's session (before the session is read)."""
    _along.set(tuple(keys))
    _along_found.set(None)


def found_along(keys) -> dict | None:
    """What ``read_along(keys)`` found (a dict without the keys not in the cache), or None if
    they were not read with the session."""
    found = _along_found.get()
    if found is None or found[0] != tuple(keys):
        return None
    return found[1]


class _Owners:
    """Session key -> the id of the user it belongs to (the most recently read, bounded)."""

    def __init__(self, size: int):
        self.size = size
        self._map: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_key: str) -> str | None:
        with self._lock:
            return self._map.get(session_key)

    def put(self, session_key: str, user_id: str) -> None:
        with self._lock:
            self._map[session_key] = user_id
            self._map.move_to_end(session_key)
            if len(self._map) > self.size:
                self._map.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._map.clear()


owners = _Owners(50_000)


class SessionStore(CachedDBStore):
    """Django's cached_db sessions (cache in front, database behind), the user read alongside."""

    def load(self):
        from .auth import user_cache_key

        _prefetched.set(None)
        along = _along.get() or ()
        _along.set(None)
        user_id = owners.get(self._session_key) if self._session_key else None
        if user_id is None or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:
            data = super().load()
        else:
            user_key = user_cache_key(user_id)
            try:
                found = self._cache.get_many([self.cache_key, user_key, *along])
            except Exception:  # as cached_db does: the database answers when the cache cannot
                found = {}
            else:
                if along:
                    _along_found.set((along, {k: found[k] for k in along if k in found}))
            data = found.get(self.cache_key)
            if data is None:
                data = super().load()
            elif data.get(SESSION_KEY) == user_id and found.get(user_key) is not None:
                _prefetched.set((user_id, found[user_key]))
        owner = data.get(SESSION_KEY) if data else None
        if owner is not None and self._session_key:
            owners.put(self._session_key, str(owner))
        return data


def take_prefetched_user(user_id):
    """The cached user read with this request's session, if it is ``user_id`` (once)."""
    found = _prefetched.get()
    if found is None:
        return None
    _prefetched.set(None)
    return found[1] if found[0] == str(user_id) else None


def _forget_prefetched(**kwargs) -> None:
    _prefetched.set(None)
    _along.set(None)
    _along_found.set(None)


request_finished.connect(_forget_prefetched, dispatch_uid="lms_sessions_forget_prefetched")
