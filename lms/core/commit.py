"""Work an app wants written in the transaction that caused it, just before that commit.

Django runs callbacks after a commit (``transaction.on_commit``) but has no hook before one. An
app that notes work during a transaction and writes it after the commit (the reports' pending
marks) registers a writer here; a hot path that ends its own atomic block calls
``write_pending()`` as the block's last statement, so the notes commit (or roll back) with the
change in the same transaction instead of costing a transaction of their own afterwards.

A hot path that inserts a row in one SQL statement of its own, without ``save()`` (so without
``post_save`` and its receivers), asks ``saved_notes(instance)`` for what each app would have
noted of the new row, as ``INSERT ... SELECT`` SQL to add to that statement (``register_saved``):
the QR check-in on PostgreSQL, one statement and one commit in all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_writers: list[Callable[[], None]] = []


def register(writer: Callable[[], None]) -> None:
    """``writer`` writes what its app noted in the current transaction and forgets it."""
    if writer not in _writers:
        _writers.append(writer)


def write_pending() -> None:
    """Inside an atomic block about to end: every registered writer writes its notes now."""
    for writer in _writers:
        writer()


# --- notes written by the statement that saves the row --------------------------------------


@dataclass(frozen=True)
class Note:
    """What an app notes of a saved row, as SQL to run in the statement that inserts the row.

    ``sql`` is an ``INSERT INTO ... SELECT ...`` with no WHERE clause (the writer adds its own
    condition, e.g. ``WHERE EXISTS (SELECT 1 FROM ins)``: only if the row was inserted) and
    ``%s`` placeholders for ``params``; ``after`` (if any) runs once the statement committed."""

    sql: str
    params: tuple
    after: Callable[[], None] | None = None


_saved: dict[type, list[Callable[[object], Note | None]]] = {}


def register_saved(model: type, noter: Callable[[object], Note | None]) -> None:
    """``noter(instance)`` gives the Note its app takes of a new ``model`` row (what its
    ``post_save`` receiver would note): for a hot path that inserts the row in one SQL statement
    of its own, without the ORM's save and its signal (the QR check-in on PostgreSQL)."""
    noters = _saved.setdefault(model, [])
    if noter not in noters:
        noters.append(noter)


def saved_notes(instance) -> list[Note]:
    """The notes every app takes of ``instance`` as a new row (see ``register_saved``); a writer
    that inserts it without ``save()`` runs them in its statement, or sends ``post_save``."""
    notes = (noter(instance) for noter in _saved.get(type(instance), ()))
    return [note for note in notes if note is not None]
