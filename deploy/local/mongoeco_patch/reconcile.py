"""What the corrections that keep mongoeco's physical indexes in a shape of their own share
(``namespace_indexes``, ``scalar_indexes``), and ``feature_cache`` with them: the engine's
writing connection, a change in a write transaction of its own, and the two moments a
reconciliation runs at: a namespace's index metadata changed inside a write, and a database
file opened (for every namespace)."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any

Reconcile = Callable[[sqlite3.Connection, tuple[str, str] | None], object]
"""Brings one namespace's indexes (or every namespace's, for ``None``) into shape, inside the
caller's write transaction."""


def writer(engine: Any) -> sqlite3.Connection | None:
    """The connection the engine writes with on this thread."""
    connection: sqlite3.Connection | None = (
        getattr(engine._thread_local, "connection", None) or engine._connection
    )
    return connection


def in_write(engine: Any, change: Callable[[sqlite3.Connection], object]) -> None:
    """Run ``change`` on the engine's connection in a write transaction of its own."""
    with engine._lock:
        connection = engine._connection
        engine._begin_write(connection, None)
        try:
            change(connection)
        except BaseException:
            engine._rollback_write(connection, None)
            raise
        engine._commit_write(connection, None)


def on_index_change(original: Callable[..., None], reconcile: Reconcile) -> Callable[..., None]:
    """``SQLiteEngine._mark_index_metadata_changed`` reconciling the namespace first, when it
    is marked inside a write transaction (the end of a creation, a drop, a rename)."""

    @functools.wraps(original)
    def mark(self: Any, db_name: str, coll_name: str) -> None:
        connection = writer(self)
        if connection is not None and connection.in_transaction:
            reconcile(connection, (db_name, coll_name))
        original(self, db_name, coll_name)

    return mark


def at_open(original: Callable[..., None], reconcile: Reconcile) -> Callable[..., None]:
    """``SQLiteEngine._connect_sync`` reconciling every namespace once the file is open."""

    @functools.wraps(original)
    def connect(self: Any) -> None:
        original(self)
        in_write(self, lambda connection: reconcile(connection, None))

    return connect
