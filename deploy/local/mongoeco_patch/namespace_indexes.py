"""Each collection's SQLite expression indexes hold that collection's documents only.

Why: ``SQLiteEngine`` keeps every collection of every database in one table,
``documents(db_name, coll_name, storage_key, document)``, and turns each ordered MongoDB
index into one SQLite expression index on it, ``CREATE INDEX idx_... ON documents (db_name,
coll_name, json_extract(document, ...), ...)`` (``create_index`` in
``engines/_sqlite_index_admin.py``, near line 305: "Physical indexes span every namespace in
the shared table"). So every write of any document evaluates the ``json_extract``
expressions of every index of every collection (SQLite 3.40 parses the JSON again for each)
and rewrites an entry in each of their b-trees. With the ~89 indexes OMS creates, an update
of a 4 KB order costs 2.2 ms of CPU instead of 0.04 ms, and the server spends ~345 ms of CPU
per sales order.

What: each such index is made partial to its own namespace, ``... WHERE db_name = '<db>' AND
coll_name = '<coll>'``, so a write touches only its own collection's indexes. Three places:

- Whenever mongoeco marks a namespace's index metadata changed inside a write transaction
  (``_mark_index_metadata_changed``: at the end of ``create_index``, of a rename, of the
  drops), every physical index the ``indexes`` table lists for that namespace whose stored
  statement is not the partial one for it is dropped and created again as partial, in the
  same transaction. A new index is thus built twice inside its creation (mongoeco's full
  build, then the partial one); a rename moves its indexes to the new name.
- When the engine opens a database file, the same is done for every namespace in one
  transaction, so a file written before this patch (or by ``--unpatched``) is converted, and
  a converted one is left as it is.
- A hinted find no longer names the index with ``documents INDEXED BY`` (built in
  ``build_select_sql``, ``engines/_sqlite_fast_paths.py`` near line 196): SQLite refuses to
  prepare that with a partial index ("no query solution"), because it cannot prove from the
  bound ``db_name = ?`` that the rows are in it.

Why exact: an index only chooses how SQLite finds rows, never which rows a query returns.
Every query mongoeco runs on ``documents`` is restricted to one namespace (``db_name = ? AND
coll_name = ?``), the only rows the partial index leaves out; SQLite still uses the partial
index for those queries, re-preparing a statement when its bound namespace changes. Unique
indexes are enforced by mongoeco in Python before each write, not by SQLite. ``INDEXED BY``
only forced SQLite's plan through an index holding every row, so leaving it out changes no
row; mongoeco still refuses a hint naming no index before it builds the SQL. The index
names, keys and expressions are mongoeco's own (``index_expressions_sql``), so the
``indexes`` table, ``listIndexes`` and the drops are unchanged.

Drop once mongoeco creates its physical indexes per namespace upstream.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable
from typing import Any

from deploy.local.mongoeco_patch.reconcile import at_open, on_index_change

_MARK = "__oms_namespace_indexes__"
_HINTED = "documents INDEXED BY "


def install() -> None:
    """Make documents' expression indexes partial, at creation, rename and open (idempotent)."""
    from mongoeco.engines import sqlite as sqlite_module
    from mongoeco.engines.sqlite import SQLiteEngine
    from mongoeco.engines.sqlite_query import index_expressions_sql

    statements = _Statements(index_expressions_sql, SQLiteEngine._quote_identifier)

    def partial(connection: sqlite3.Connection, namespace: tuple[str, str] | None) -> None:
        _make_partial(connection, statements, namespace)

    patches: tuple[tuple[Any, str, Callable[[Any], Any]], ...] = (
        (SQLiteEngine, "_mark_index_metadata_changed", lambda f: on_index_change(f, partial)),
        (SQLiteEngine, "_connect_sync", lambda f: at_open(f, partial)),
        (sqlite_module, "_sqlite_build_select_sql", _unhinted),
    )
    for owner, name, wrap in patches:
        original = getattr(owner, name)
        if not getattr(original, _MARK, False):
            wrapped = wrap(original)
            setattr(wrapped, _MARK, True)
            setattr(owner, name, wrapped)


class _Statements:
    """The ``CREATE INDEX`` mongoeco runs for an ordered index, made partial to its namespace."""

    def __init__(
        self, expressions: Callable[[str], tuple[str, ...]], identifier: Callable[[str], str]
    ):
        self._expressions = expressions
        self._identifier = identifier

    def partial(self, physical_name: str, keys: list[Any], db_name: str, coll_name: str) -> str:
        columns = ", ".join(
            [
                "db_name",
                "coll_name",
                *[
                    f"{expression}{' DESC' if direction == -1 else ''}"
                    for field, direction in keys
                    for expression in self._expressions(field)
                ],
            ]
        )
        return (
            f"CREATE INDEX {self._identifier(physical_name)} ON documents ({columns}) "
            f"WHERE db_name = {_literal(db_name)} AND coll_name = {_literal(coll_name)}"
        )

    def drop(self, physical_name: str) -> str:
        return f"DROP INDEX {self._identifier(physical_name)}"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _make_partial(
    connection: sqlite3.Connection, statements: _Statements, namespace: tuple[str, str] | None
) -> None:
    """Rebuild as partial each listed physical index that is not (all namespaces if None)."""
    query = """
        SELECT i.db_name, i.coll_name, i.physical_name, i.keys, m.sql
        FROM indexes AS i JOIN sqlite_master AS m
            ON m.type = 'index' AND m.tbl_name = 'documents' AND m.name = i.physical_name
    """
    params: tuple[str, ...] = ()
    if namespace is not None:
        query += " WHERE i.db_name = ? AND i.coll_name = ?"
        params = namespace
    rows = connection.execute(query, params).fetchall()  # DROP INDEX waits for open reads
    for db_name, coll_name, physical_name, keys, stored in rows:
        if keys is None:
            continue
        wanted = statements.partial(physical_name, json.loads(keys), db_name, coll_name)
        if stored != wanted:
            connection.execute(statements.drop(physical_name))
            connection.execute(wanted)


def _unhinted(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def build_select_sql(**kwargs: Any) -> Any:
        build_statement = kwargs["build_select_statement"]

        def statement(*, from_clause: str, **rest: Any) -> Any:
            if from_clause.startswith(_HINTED):
                from_clause = "documents"
            return build_statement(from_clause=from_clause, **rest)

        return original(**{**kwargs, "build_select_statement": statement})

    return build_select_sql
