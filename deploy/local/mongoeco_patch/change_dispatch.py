"""While no change stream watches, committed changes reach the change hub in batches.

Why: after every write, mongoeco hands the engine's committed changes to the client's change
hub (``CollectionRuntimeCoordinator._dispatch_engine_changes`` ->
``EngineSpiAdapter.dispatch_committed_changes``, ``engines/adapter.py:366``). On SQLite each
hand-over takes a dispatch lease (its own write transaction), starts and joins a heartbeat
thread, drains and compacts the change outbox, and releases the lease: about 10 % of the
server's CPU under the development load, on the event loop, for one change at a time. The
services never open a change stream.

What: when the hub has no reader (``ChangeStreamHub.should_publish_events()`` is false: no
watcher, no journal), the hand-over is postponed by at most 200 ms on the same event loop,
and one hand-over then takes every change committed meanwhile. With a reader, or outside a
running event loop, it runs at once as released. Before the hub is read (a change stream
placing its start, a stream waiting for its next event, the hub's state), whatever is
pending for that hub is handed over first, on the reading thread.

Why exact: the hand-over itself is mongoeco's, unchanged, and it delivers everything
committed so far in commit order; only its moment moves. Nothing reads the hub in between:
its readers are exactly the methods that first deliver what is pending, a stream that
exists has registered a watcher, so the writes it can see are handed over at once, and a
failed hand-over marks the hub as mongoeco does. While nobody watches, mongoeco records the
changes as gaps anyway (``ChangePublicationPolicy.RECORD_GAP``), so no event is held back.
If the server stops within those 200 ms, the changes stay in the SQLite outbox, as any change
not yet handed over does, and the hub they were for ends with the process.

Drop once mongoeco skips or batches the hand-over upstream.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

_MARK = "__oms_batched_change_dispatch__"
_DELAY_SECONDS = 0.2
# Every ChangeStreamHub method that reads what was handed over (besides ``state``).
_HUB_READS = ("current_offset", "offset_after_token", "offset_at_or_after_cluster_time")

Dispatch = Callable[[Any, Any], None]


class _Pending:
    """Hand-overs postponed per (engine, hub); each entry has a timer that will run it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, int], tuple[Any, Any]] = {}
        self._timers: dict[tuple[int, int], asyncio.AbstractEventLoop] = {}
        self._dispatching = threading.local()

    def add(self, adapter: Any, sink: Any, loop: asyncio.AbstractEventLoop) -> bool:
        """Record a postponed hand-over; True when ``loop`` must arm a timer for it."""
        key = (id(adapter.engine), id(sink))
        with self._lock:
            armed_on = self._timers.get(key) if key in self._entries else None
            self._entries[key] = (adapter, sink)
            if armed_on is loop and not loop.is_closed():
                return False
            self._timers[key] = loop
        return True

    def forget(self, adapter: Any, sink: Any) -> None:
        with self._lock:
            self._entries.pop((id(adapter.engine), id(sink)), None)

    def take(self, sink: Any) -> list[tuple[Any, Any]]:
        if getattr(self._dispatching, "active", False):
            return []  # the hand-over running on this thread reads the hub it fills
        with self._lock:
            keys = [key for key in self._entries if key[1] == id(sink)]
            return [self._entries.pop(key) for key in keys]

    @contextmanager
    def dispatching(self) -> Iterator[None]:
        """While a hand-over runs on this thread, its own reads of the hub deliver nothing."""
        outer = getattr(self._dispatching, "active", False)
        self._dispatching.active = True
        try:
            yield
        finally:
            self._dispatching.active = outer

    def run(self, dispatch: Dispatch, entries: list[tuple[Any, Any]]) -> None:
        for adapter, sink in entries:
            try:
                with self.dispatching():
                    dispatch(adapter, sink)
            except Exception as exc:  # as _dispatch_engine_changes: the write is committed
                mark_failure = getattr(sink, "mark_publish_failure", None)
                if callable(mark_failure):
                    mark_failure(exc)


_pending = _Pending()


def install() -> None:
    """Batch hand-overs nobody reads yet; deliver them before any hub read (idempotent)."""
    from mongoeco.change_streams import ChangeStreamHub
    from mongoeco.engines.adapter import EngineSpiAdapter

    original = EngineSpiAdapter.dispatch_committed_changes
    if getattr(original, _MARK, False):
        return
    state_read: Callable[[Any], Any] = vars(ChangeStreamHub)["state"].fget
    replacements: list[tuple[type, str, object]] = [
        (EngineSpiAdapter, "dispatch_committed_changes", _batching(original)),
        (ChangeStreamHub, "state", property(_delivering_first(state_read, original))),
        (
            ChangeStreamHub,
            "wait_for_event_async",
            _delivering_first_async(ChangeStreamHub.wait_for_event_async, original),
        ),
    ]
    for name in (*_HUB_READS, "wait_for_event"):
        read = _delivering_first(getattr(ChangeStreamHub, name), original)
        replacements.append((ChangeStreamHub, name, read))
    for owner, name, replacement in replacements:
        setattr(owner, name, replacement)


def _batching(original: Dispatch) -> Dispatch:
    @functools.wraps(original)
    def dispatch(self: Any, sink: Any) -> None:
        loop = _running_loop()
        if sink is None or loop is None or _has_reader(sink):
            _pending.forget(self, sink)
            with _pending.dispatching():
                original(self, sink)
            return
        if _pending.add(self, sink, loop):
            loop.call_later(_DELAY_SECONDS, lambda: _pending.run(original, _pending.take(sink)))

    setattr(dispatch, _MARK, True)
    return dispatch


def _delivering_first(read: Callable[..., Any], dispatch: Dispatch) -> Callable[..., Any]:
    @functools.wraps(read)
    def delivered_read(hub: Any, *args: Any, **kwargs: Any) -> Any:
        _pending.run(dispatch, _pending.take(hub))
        return read(hub, *args, **kwargs)

    return delivered_read


def _delivering_first_async(
    read: Callable[..., Coroutine[Any, Any, Any]], dispatch: Dispatch
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(read)
    async def delivered_read(hub: Any, *args: Any, **kwargs: Any) -> Any:
        _pending.run(dispatch, _pending.take(hub))
        return await read(hub, *args, **kwargs)

    return delivered_read


def _has_reader(sink: Any) -> bool:
    should_publish = getattr(sink, "should_publish_events", None)
    return not callable(should_publish) or bool(should_publish())


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
