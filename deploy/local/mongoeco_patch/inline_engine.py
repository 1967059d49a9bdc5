"""An engine with one worker runs its calls on the server's own thread, not handed to that
worker and back.

Why: ``SQLiteEngine._run_blocking`` (``engines/sqlite.py``) submits every engine call (each
read, each write, each fetch of a cursor's batch) to a thread pool and awaits it: a future, a
queue hand-off, a thread woken, the interpreter lock passed to it and back, and the event loop
woken through its self-pipe with the result. The launcher gives the engine one worker
(``mongowire.SQLITE_WORKERS``), so the calls already run one at a time; the hand-off is pure
overhead. Replaying one recorded sales-order run (1,393 requests, one at a time) cost the
server 7.5-7.6 s of CPU with the worker, 6.8-7.1 s without.

What: for an engine built with ``executor_workers=1``, ``_run_blocking`` calls the function at
once, on the calling thread, in a copy of the caller's context (as the released code runs it in
the worker); an engine with more workers hands its calls to them as released.

Why exact: the function, its arguments and its context are the same, and so is what it returns
or raises. With one worker no two engine calls ever overlapped, so running each to its end
before the next begins changes no interleaving the engine could observe. Only the server's
event loop waits meanwhile, as it waited for the worker's result (its other connections'
requests are read while no call runs). Background threads of the engine (the change hub's
dispatch, heartbeats) take the engine's lock as before; a call waits for it as the worker did.

Drop once mongoeco can run an engine without an executor upstream.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable
from typing import Any

_MARK = "__oms_inline_engine__"


def install() -> None:
    """Run a one-worker SQLite engine's calls on the calling thread (idempotent)."""
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
        if getattr(self, "_executor_workers", None) != 1:
            return await original(self, func, *args, **kwargs)
        return contextvars.copy_context().run(func, *args, **kwargs)

    setattr(run_blocking, _MARK, True)
    return run_blocking
