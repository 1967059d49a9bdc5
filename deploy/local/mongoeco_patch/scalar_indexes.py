"""Every single-field index's entries are kept in one SQLite index, not one copy per index.

Why: for each ordered single-field MongoDB index, ``create_index`` (``engines/
_sqlite_index_admin.py``, near line 317) creates a SQLite index ``scidx_<digest> ON
scalar_index_entries (collection_id, index_name, type_score, element_key, storage_key)``.
``scalar_index_entries`` is one table for every collection of every database, and these indexes
are not partial: each of them is the same b-tree over all of the table's rows, once per MongoDB
index. A write of any document deletes and inserts its entries in every one of them. With the
~60 single-field indexes OMS creates, a write's commit rewrote about 70 pages of the WAL (280
KB), almost all of them these copies: the database server's largest single cost under the
development load (``commit`` 12 % of its samples, 6,000 ``pwrite`` calls per sales order).

What: the namespace's single-field indexes name one shared SQLite index, ``scidx_oms_shared``
(same columns), in the ``indexes`` table, and their own copies are dropped. Done where
``namespace_indexes`` reconciles: whenever mongoeco marks a namespace's index metadata changed
inside a write transaction (the end of ``create_index``, of a drop, of a rename), and for every
namespace when the engine opens a database file (a file written before this patch, or by
``--unpatched``, is converted; mongoeco as released reads a converted file as it is, its
queries naming ``scidx_oms_shared``). A drop of an index, a collection or a database that
dropped the shared index with it creates it again in the same transaction.

Why exact: an index only chooses how SQLite finds rows, never which rows a query returns. The
shared index has the columns and the rows each copy had (all of the table's), so every query
mongoeco makes ``INDEXED BY`` a copy (always restricted to one ``collection_id`` and
``index_name``) finds the same rows in the same order through it. The entries themselves
(``scalar_index_entries``) are written and deleted as released; unique indexes are enforced by
mongoeco in Python, not by SQLite.

Drop once mongoeco keeps one physical index for its scalar entries upstream.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any

from deploy.local.mongoeco_patch.reconcile import at_open, in_write, on_index_change

_MARK = "__oms_scalar_indexes__"
SHARED = "scidx_oms_shared"
_CREATE = (
    f'CREATE INDEX IF NOT EXISTS "{SHARED}" ON scalar_index_entries '
    "(collection_id, index_name, type_score, element_key, storage_key)"
)


def install() -> None:
    """Share one SQLite index among the single-field indexes, at creation, drop and open
    (idempotent)."""
    from mongoeco.engines.sqlite import SQLiteEngine

    patches: tuple[tuple[str, Callable[[Any], Any]], ...] = (
        ("_mark_index_metadata_changed", lambda f: on_index_change(f, share)),
        ("_connect_sync", lambda f: at_open(f, share)),
        ("_drop_database_sync", _keeping_after_database_drop),
    )
    for name, wrap in patches:
        original = getattr(SQLiteEngine, name)
        if not getattr(original, _MARK, False):
            wrapped = wrap(original)
            setattr(wrapped, _MARK, True)
            setattr(SQLiteEngine, name, wrapped)


def share(connection: sqlite3.Connection, namespace: tuple[str, str] | None) -> None:
    """Make the listed single-field indexes (of ``namespace``, or all) name the shared SQLite
    index, drop their own copies, and make sure the shared one exists. Inside the caller's write
    transaction."""
    connection.execute(_CREATE)
    query = """
        SELECT DISTINCT scalar_physical_name FROM indexes
        WHERE scalar_physical_name IS NOT NULL AND scalar_physical_name != ?
    """
    params: tuple[str, ...] = (SHARED,)
    if namespace is not None:
        query += " AND db_name = ? AND coll_name = ?"
        params += namespace
    for (own,) in connection.execute(query, params).fetchall():
        connection.execute(f'DROP INDEX IF EXISTS "{own.replace(chr(34), chr(34) * 2)}"')
        connection.execute(
            "UPDATE indexes SET scalar_physical_name = ? WHERE scalar_physical_name = ?",
            (SHARED, own),
        )


def _keeping_after_database_drop(original: Callable[..., None]) -> Callable[..., None]:
    """A database's drop drops the physical indexes its ``indexes`` rows name, the shared one
    among them, and marks nothing changed: the shared index is created again at once, for the
    other databases' queries."""

    @functools.wraps(original)
    def drop_database(self: Any, db_name: str, context: Any = None) -> None:
        original(self, db_name, context)
        in_write(self, lambda connection: connection.execute(_CREATE))

    return drop_database
