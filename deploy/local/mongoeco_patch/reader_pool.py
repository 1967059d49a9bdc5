"""A read of several documents reuses an idle SQLite connection instead of opening its own.

Why: ``SQLiteScanReader._open`` (``engines/_sqlite_reader.py``) gives every read that may return
more than one document (a ``find`` without ``limit: 1``, an aggregation) a dedicated
connection: ``sqlite3.connect``, two ``PRAGMA`` statements (``journal_mode=WAL``,
``synchronous=NORMAL``) and ``BEGIN``, closed again after its last batch. Under the development
load that is about 4 % of the server's CPU (the services read stock levels, approval parties,
outbox work and their metrics this way).

What: while ``SQLiteScanReader._open`` runs, ``SQLiteEngine._create_sqlite_connection`` hands
out one of the engine's idle reader connections if it has one (else it makes one, as released).
When the reader closes such a connection, its read transaction is ended (``ROLLBACK``) and the
connection waits among the idle ones (at most ``IDLE``) instead of being closed; one whose
rollback fails, or one more than ``IDLE``, is closed as released. When the engine disconnects,
the idle connections are closed.

Why exact: a reader's connection only reads. Its transaction is the snapshot ``BEGIN`` opened,
and ending it with ``ROLLBACK`` undoes nothing. A connection taken from the idle ones is in the
state a new one would be in: WAL and ``synchronous`` are set for its whole life, no transaction
is open, and the ``BEGIN`` of its next reader takes a fresh snapshot at the first read. Its own
index catalogs are checked before use as those of the engine's long-lived connection are
(``PRAGMA data_version`` in ``SQLiteConnection.refresh_catalog_validity``, and each entry's
index-metadata version). Other connections (the writer's, the change-delivery and heartbeat
ones) are made and closed as released.

Drop once mongoeco keeps its reader connections upstream.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

_MARK = "__oms_reader_pool__"
IDLE = 4
"""Idle reader connections kept per engine (the launcher's engine runs one read at a time)."""
_opening = threading.local()


def install() -> None:
    """Keep reader connections for the next reads (idempotent)."""
    from mongoeco.engines._sqlite_connection import SQLiteConnection
    from mongoeco.engines._sqlite_reader import SQLiteScanReader
    from mongoeco.engines.sqlite import SQLiteEngine

    if getattr(SQLiteScanReader._open, _MARK, False):
        return
    replacements: list[tuple[type, str, Callable[..., Any]]] = [
        (SQLiteScanReader, "_open", _marking(SQLiteScanReader._open)),
        (
            SQLiteEngine,
            "_create_sqlite_connection",
            _taking(SQLiteEngine._create_sqlite_connection),
        ),
        (SQLiteConnection, "close", _keeping(SQLiteConnection.close)),
        (SQLiteEngine, "_disconnect_sync", _closing_idle(SQLiteEngine._disconnect_sync)),
    ]
    for owner, name, replacement in replacements:
        setattr(replacement, _MARK, True)
        setattr(owner, name, replacement)


class _Idle:
    """An engine's idle reader connections."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connections: list[sqlite3.Connection] = []

    def take(self) -> sqlite3.Connection | None:
        with self.lock:
            return self.connections.pop() if self.connections else None

    def keep(self, connection: sqlite3.Connection) -> bool:
        """Keep ``connection`` idle; False when enough are (it is then closed). One already
        idle stays so once (closing it again changes nothing)."""
        with self.lock:
            if any(connection is kept for kept in self.connections):
                return True
            if len(self.connections) >= IDLE:
                return False
            self.connections.append(connection)
            return True

    def take_all(self) -> list[sqlite3.Connection]:
        with self.lock:
            taken, self.connections = self.connections, []
            return taken


def _idle(engine: Any) -> _Idle:
    idle: _Idle | None = engine.__dict__.get("_oms_idle_readers")
    if idle is None:
        idle = engine.__dict__.setdefault("_oms_idle_readers", _Idle())
    return idle


def _marking(open_reader: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(open_reader)
    def opening(self: Any) -> None:
        _opening.engine = self.engine
        try:
            open_reader(self)
        finally:
            _opening.engine = None

    return opening


def _taking(create: Callable[..., sqlite3.Connection]) -> Callable[..., sqlite3.Connection]:
    @functools.wraps(create)
    def taking(self: Any) -> sqlite3.Connection:
        if getattr(_opening, "engine", None) is not self:
            return create(self)
        _opening.engine = None  # the reader's one connection; anything else is as released
        idle = _idle(self)
        connection = idle.take() or create(self)
        connection._oms_idle = idle  # type: ignore[attr-defined]
        return connection

    return taking


def _keeping(close: Callable[[Any], None]) -> Callable[[Any], None]:
    @functools.wraps(close)
    def closing(self: Any) -> None:
        idle: _Idle | None = getattr(self, "_oms_idle", None)
        if idle is None:
            close(self)
            return
        try:
            if self.in_transaction:
                self.rollback()
        except sqlite3.Error:
            self._oms_idle = None
            close(self)
            return
        if not idle.keep(self):
            self._oms_idle = None
            close(self)

    return closing


def _closing_idle(disconnect: Callable[[Any], None]) -> Callable[[Any], None]:
    @functools.wraps(disconnect)
    def disconnecting(self: Any) -> None:
        try:
            disconnect(self)
        finally:
            if self._connection_count == 0:
                for connection in _idle(self).take_all():
                    connection._oms_idle = None  # type: ignore[attr-defined]
                    connection.close()

    return disconnecting
