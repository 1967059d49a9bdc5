"""Small concurrency helpers shared by the relay and the consumers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from typing import Any

WaitingForTurn = Callable[[], contextlib.AbstractContextManager[None]]

_turns: ContextVar[WaitingForTurn | None] = ContextVar("waiting_for_turn", default=None)


def on_turn_waits(waiting: WaitingForTurn) -> Callable[[], None]:
    """Within the current task (a delivery), every wait for a turn runs inside ``waiting``:
    a stopping process gives such a delivery back to its queue rather than wait for its turn
    (it has changed nothing the turn guards). Returns the undo."""
    token = _turns.set(waiting)
    return lambda: _turns.reset(token)


@contextlib.contextmanager
def waiting_for_turn() -> Iterator[None]:
    """Around a wait for a turn (a lock another holder has), and nothing else: cancelled there,
    the caller must hold nothing it would leave behind."""
    waiting = _turns.get()
    if waiting is None:
        yield
        return
    with waiting():
        yield


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Any) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            if lock.locked():
                with waiting_for_turn():
                    await lock.acquire()
            else:
                await lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
