"""An engine with one worker runs its short calls on the server's own thread, not handed to
that worker and back.

Why: ``SQLiteEngine._run_blocking`` (``engines/sqlite.py``) submits every engine call (each
read, each write, each fetch of a cursor's batch) to a thread pool and awaits it: a future, a
queue hand-off, a thread woken, the interpreter lock passed to it and back, and the event loop
woken through its self-pipe with the result. The launcher gives the engine one worker
(``mongowire.SQLITE_WORKERS``), so the calls already run one at a time; for the calls that
make up the services' traffic (a document read, inserted, updated or deleted, a cursor's
batch, a look at the indexes) the hand-off is pure overhead. Replaying one recorded
sales-order run (1,393 requests, one at a time) cost the server 7.5-7.6 s of CPU with the
worker, 6.8-7.1 s without.

What: for an engine built with ``executor_workers=1``, a call runs at once, on the calling
thread, in a copy of the caller's context (as the released code runs it in the worker), when
the worker is idle and the call is not one of ``TO_WORKER``; then the caller yields to the
event loop once. The calls of ``TO_WORKER`` (bulk inserts, counts, index builds, listings
and drops: work on a whole collection or database), and any call made while one is in the
worker, are handed to the worker as released. An engine with more workers hands all its
calls to them as released.

Why exact: the function, its arguments and its context are the same, and so is what it returns
or raises. No two engine calls ever overlap, as with the one worker: a call runs inline only
while the worker is idle, and while it runs the event loop cannot submit another. The server
stays responsive: a call on a whole collection still runs in the worker while the event loop
answers other connections (a driver's heartbeat above all, which would otherwise time out and
cancel every operation in flight: a first version that ran every call inline froze the server
for the whole of a bulk insert of thousands of documents), and after each inline call the
event loop takes its turn, as it did while waiting for the worker. (A second version ran only
per-document calls inline: under load some other call was nearly always in the worker, so
almost every call followed it there.)

Drop once mongoeco can run an engine's short calls without an executor upstream.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable, Callable
from typing import Any

_MARK = "__oms_inline_engine__"
TO_WORKER = frozenset(
    {
        "_insert_documents_sync",
        "_snapshot_bulk_insert_preparation_sync",
        "_count_matching_documents_sync",
        "_create_index_sync",
        "_drop_index_sync",
        "_drop_indexes_sync",
        "_create_search_index_sync",
        "_update_search_index_sync",
        "_drop_search_index_sync",
        "_search_documents_sync",
        "_list_databases_sync",
        "_drop_collection_sync",
        "_drop_database_sync",
        "_rename_collection_sync",
        "_connect_sync",
        "_disconnect_sync",
    }
)
"""The engine calls on a whole collection or database (or the engine), run in the worker."""
_IN_WORKER = "_oms_calls_in_worker"


def install() -> None:
    """Run a one-worker SQLite engine's short calls on the calling thread (idempotent)."""
    from mongoeco.engines.sqlite import SQLiteEngine

    original = SQLiteEngine._run_blocking
    if getattr(original, _MARK, False):
        return
    setattr(SQLiteEngine, "_run_blocking", _inline_when_single(original))  # noqa: B010


def _inline_when_single(
    original: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(original)
    async def run_blocking(
        self: Any, func: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Any:
        if (
            getattr(self, "_executor_workers", None) == 1
            and getattr(func, "__name__", None) not in TO_WORKER
            and not getattr(self, _IN_WORKER, 0)
        ):
            try:
                return contextvars.copy_context().run(func, *args, **kwargs)
            finally:
                await asyncio.sleep(0)  # the event loop's turn, as while the worker ran
        setattr(self, _IN_WORKER, getattr(self, _IN_WORKER, 0) + 1)
        try:
            return await original(self, func, *args, **kwargs)
        finally:
            setattr(self, _IN_WORKER, getattr(self, _IN_WORKER) - 1)

    setattr(run_blocking, _MARK, True)
    return run_blocking
