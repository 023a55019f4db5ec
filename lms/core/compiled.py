"""Querysets compiled once per connection: the SQL, the columns' converters and the model
rows' layout are kept, and each call runs the statement with its own values.

The ORM compiles a queryset on every evaluation (the joins, the columns, the WHERE, the
converters): about a millisecond for a select_related get, more than the query itself costs to
run. The hot reads of an attempt (its sitting, its responses) are the same statement each time
with another id; ``fetch`` keeps what the compilation produced and builds the model instances
exactly as the ORM's ModelIterable does (``from_db``, the related populators, annotations).

A statement is kept per connection object (a thread's), under the caller's key, compiled with
sentinel values for its parameters: a queryset whose compiled parameters are not exactly the
sentinels (a value folded into the SQL, another parameter) is not kept and runs as the ORM
runs it, so the result never differs from the queryset's own.

On PostgreSQL a kept statement is also bound and prepared on the server, once per connection
(``lms.core.sql.cursor``): Django binds parameters on the client, so otherwise the server would
parse and plan the same text on every call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators

from . import sql

_ATTR = "_lms_compiled"
# Distinct, unlikely ids: compile(sentinels) must give these exact parameters back.
_SENTINELS = (-987_654_301, -987_654_302, -987_654_303, -987_654_304)


class _Kept:
    __slots__ = ("sql", "converters", "model", "start", "end", "init_list", "related", "annos")

    def __init__(self, compiler, sql: str, alias: str):
        self.sql = sql
        select = compiler.select
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        select_fields = klass_info["select_fields"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.related = get_related_populators(klass_info, select, alias)
        self.annos = list((compiler.annotation_col_map or {}).items())
        fields = [s[0] for s in select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)


def _compile(build: Callable, n: int, connection):
    queryset = build(*_SENTINELS[:n])
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if (
        tuple(params) != _SENTINELS[:n]
        or compiler.klass_info is None
        or compiler.has_extra_select
        or queryset._known_related_objects
    ):
        return None
    return _Kept(compiler, sql, connection.alias)


def fetch(key: str, build: Callable, values: Sequence) -> list:
    """The instances ``build(*values)`` (a queryset of model instances) yields, compiled once
    per connection under ``key``. ``build`` must give the same statement for any values."""
    connection = connections[DEFAULT_DB_ALIAS]
    kept_all = connection.__dict__.setdefault(_ATTR, {})
    kept = kept_all.get(key)
    if kept is None:
        kept = _compile(build, len(values), connection)
        kept_all[key] = kept if kept is not None else False
    if not kept or None in values:  # None filters as IS NULL: another statement
        return list(build(*values))
    # On PostgreSQL bound and prepared on the server once per connection too (lms.core.sql):
    # the statement is the same each time, so the server need not parse and plan it again.
    with sql.cursor(connection) as cursor:
        cursor.execute(kept.sql, list(values))
        rows = cursor.fetchall()
    if kept.converters:
        rows = [list(row) for row in rows]
        for row in rows:
            for pos, (convs, expression) in kept.converters.items():
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
    model, start, end, init_list = kept.model, kept.start, kept.end, kept.init_list
    db = connection.alias
    objs = []
    for row in rows:
        obj = model.from_db(db, init_list, row[start:end])
        for populator in kept.related:
            populator.populate(row, obj)
        for name, pos in kept.annos:
            setattr(obj, name, row[pos])
        objs.append(obj)
    return objs
