"""Fixed SQL of the hot paths, prepared on PostgreSQL.

Django binds parameters on the client (``server_side_binding`` off): each statement reaches
PostgreSQL as text to parse and plan afresh, which for a multi-join read costs more server time
than running it. ``cursor()`` gives a Django cursor whose statements are bound on the server and
prepared once per connection (psycopg's ``prepare=True``): a fixed statement run by every request
of a burst (the QR check-in) is parsed and planned once per server thread, then only executed.
Queries still go through Django's cursor wrapper: counted, logged and wrapped as any other.
Elsewhere (SQLite) it is the usual cursor.

Django turns psycopg's automatic preparing off (``prepare_threshold`` None, for transaction-mode
poolers); ``cursor()`` sets a threshold no statement reaches, so that only the statements run
through it are prepared, explicitly. Behind a pooler that cannot keep prepared statements
(PgBouncer in transaction mode before 1.22), set ``SQL_PREPARE = False``: the statements are then
bound on the server without being prepared.
"""

from __future__ import annotations

import contextlib
import logging
from contextlib import contextmanager

from django.db import DatabaseError, InterfaceError, OperationalError

logger = logging.getLogger(__name__)


def _prepared_cursor_class():
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        """Server-side binding, every statement prepared (kept per connection by psycopg)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            super().execute(query, params, prepare=_PREPARE, binary=binary)
            # What Django logs of it (ops.last_executed_query reads ``_query.query``, which
            # psycopg sets for unprepared statements only): the statement, $n for the values.
            self._query = _Logged(query)
            return self

    return PreparedCursor


class _Logged:
    __slots__ = ("query",)

    def __init__(self, query: str):
        self.query = query.encode()


_PreparedCursor = None
_PREPARE = True
NEVER = 2**31 - 1  # executions: psycopg's automatic preparing, in effect off


def _set_prepare() -> None:
    global _PREPARE
    from django.conf import settings

    _PREPARE = bool(getattr(settings, "SQL_PREPARE", True))


def _timezone_as_django(connection, cursor) -> None:
    """The timestamps' zone as Django gives its own cursors (postgresql/base.create_cursor)."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != tzloader.timezone:
        register_tzloader(connection.timezone, cursor)


@contextmanager
def cursor(connection):
    """``connection.cursor()``, its statements prepared on PostgreSQL (see the module)."""
    global _PreparedCursor  # noqa: PLW0603 - made once, on first use
    with connection.cursor() as wrapper:
        if connection.vendor == "postgresql":
            if _PreparedCursor is None:
                _PreparedCursor = _prepared_cursor_class()
                _set_prepare()
            if _PREPARE and connection.connection.prepare_threshold is None:
                connection.connection.prepare_threshold = NEVER  # explicit prepare=True only
            prepared = _PreparedCursor(connection.connection)
            _timezone_as_django(connection, prepared)
            wrapper.cursor.close()
            wrapper.cursor = prepared
        yield wrapper


def read(connection, statement: str, params) -> list:
    """The rows of a read run through ``cursor()`` as the first query of a request, without
    Django's health check before it (CONN_HEALTH_CHECKS: a ``SELECT 1`` round trip of its own on
    the first query of every request). The read is the check: if the connection turns out dead
    (the database restarted), it is closed and the read runs once more on a new one, which is
    what the health check would have done (as ``lms.courses.pagecache`` does). A read, so running
    it twice is safe."""
    if (
        connection.connection is None
        or not connection.health_check_enabled
        or connection.health_check_done
        or connection.in_atomic_block
    ):
        return _fetch(connection, statement, params)
    connection.health_check_done = True
    try:
        return _fetch(connection, statement, params)
    except (InterfaceError, OperationalError):
        logger.info("hot path read: database connection lost; reconnecting")
        with contextlib.suppress(DatabaseError):
            connection.close()
        return _fetch(connection, statement, params)


def _fetch(connection, statement: str, params) -> list:
    with cursor(connection) as c:
        c.execute(statement, params)
        return c.fetchall()
