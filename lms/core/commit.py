"""Work an app wants written in the transaction that caused it, just before that commit.

Django runs callbacks after a commit (``transaction.on_commit``) but has no hook before one. An
app that notes work during a transaction and writes it after the commit (the reports' pending
marks) registers a writer here; a hot path that ends its own atomic block calls
``write_pending()`` as the block's last statement, so the notes commit (or roll back) with the
change in the same transaction instead of costing a transaction of their own afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

_writers: list[Callable[[], None]] = []


def register(writer: Callable[[], None]) -> None:
    """``writer`` writes what its app noted in the current transaction and forgets it."""
    if writer not in _writers:
        _writers.append(writer)


def write_pending() -> None:
    """Inside an atomic block about to end: every registered writer writes its notes now."""
    for writer in _writers:
        writer()
