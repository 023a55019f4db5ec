"""Certificate lookups counted per client, cheaply: ``limited(request)`` for every verify URL.

Every lookup counts, found or not (unknown codes too: no enumeration), against
settings.CERTIFICATE_VERIFY_RATE per client address, shared by the page and its JSON/JWT forms.
Writing a shared counter on every lookup cost more than answering the page from the cache, so each
server process counts its own lookups in memory and adds them to the shared counter (the cache)
in steps of a tenth of the limit; the decision is the shared total last seen plus this process's
lookups not yet added. Limits under 20 a window are counted in the cache on every lookup, exactly.
With P processes a client may pass the limit by at most P × (step − 1) lookups in a window
(120/m, 4 processes: 164 at most instead of 120), and never more than that however many codes
it tries. Windows are fixed (minute 0–59, …), keyed by the client address as ``client_ip`` sees it.
"""

from __future__ import annotations

import hashlib
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import _split_rate

from lms.core.auth import client_ip

STEP_FRACTION = 10
MAX_CLIENTS = 10_000  # per process and window; beyond, lookups go to the shared counter at once


class _Local:
    """This process's counts in the current window: client -> [shared total seen, not yet added]."""

    def __init__(self):
        self.lock = threading.Lock()
        self.window = None
        self.counts: dict[str, list[int]] = {}


_local = _Local()


def shared_key(client: str, window: int, period: int) -> str:
    digest = hashlib.blake2b(client.encode(), digest_size=12).hexdigest()
    return f"certificates:lookups:{period}:{window}:{digest}"


def _shared_add(client: str, window: int, period: int, delta: int) -> int:
    """Add ``delta`` lookups to the shared count of ``client`` in ``window``; the new total."""
    key = shared_key(client, window, period)
    if cache.add(key, delta, period + 5):
        return delta
    try:
        return cache.incr(key, delta)
    except ValueError:  # expired between the two calls
        cache.set(key, delta, period + 5)
        return delta


def limited(request, *, now: float | None = None) -> bool:
    """Count this lookup for the request's client; True once the client is over the rate."""
    limit, period = _split_rate(settings.CERTIFICATE_VERIFY_RATE)
    client = client_ip(request)
    window = int((time.time() if now is None else now) // period)
    step = limit // STEP_FRACTION
    if step <= 1:
        return _shared_add(client, window, period, 1) > limit
    with _local.lock:
        if _local.window != window:
            _local.window, _local.counts = window, {}
        entry = _local.counts.get(client)
        if entry is None:
            if len(_local.counts) >= MAX_CLIENTS:
                entry = None
            else:
                entry = _local.counts[client] = [0, 0]
        if entry is not None:
            entry[1] += 1
            if entry[1] < step:
                return entry[0] + entry[1] > limit
            delta, entry[1] = entry[1], 0
        else:
            delta = 1
    total = _shared_add(client, window, period, delta)
    if entry is not None:
        with _local.lock:
            entry[0] = total
            total = entry[0] + entry[1]
    return total > limit


def forget_local() -> None:
    """Drop this process's unsaved counts (tests; the shared counters stay)."""
    with _local.lock:
        _local.window, _local.counts = None, {}
