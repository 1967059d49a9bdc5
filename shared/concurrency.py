"""Small concurrency helpers shared by the relay, the consumers and remembered copies."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

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


class Held:
    """A turn held on one key of :class:`KeyedLocks`."""

    __slots__ = ("_lock", "_locks", "key", "passed")

    def __init__(self, locks: KeyedLocks, key: Any, lock: asyncio.Lock) -> None:
        self._locks, self.key, self._lock = locks, key, lock
        self.passed = False

    def others_waiting(self) -> bool:
        """Whether, holding the turn, another waits for it."""
        return not self.passed and self._locks.waiting(self.key) > 0

    def pass_on(self) -> None:
        """Let the next holder have the turn now (once; leaving does not release it again)."""
        if not self.passed:
            self.passed = True
            self._lock.release()


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}
        self._waiting: dict[Any, int] = {}

    def waiting(self, key: Any) -> int:
        """How many wait for ``key`` (its holder aside)."""
        return self._waiting.get(key, 0)

    @contextlib.asynccontextmanager
    async def hold(self, key: Any) -> AsyncIterator[Held]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            if lock.locked():
                self._waiting[key] = self.waiting(key) + 1
                try:
                    with waiting_for_turn():
                        await lock.acquire()
                finally:
                    if (left := self._waiting.pop(key) - 1) > 0:
                        self._waiting[key] = left
            else:
                await lock.acquire()
            held = Held(self, key, lock)
            try:
                yield held
            finally:
                if not held.passed:
                    lock.release()
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


_ordering: ContextVar[Held | None] = ContextVar("ordering_turn", default=None)


def on_ordering_turn(held: Held) -> Callable[[], None]:
    """Within the current task (a delivery), ``held`` is its turn among the deliveries of one
    flow (:func:`ordering_turn`). Returns the undo."""
    token = _ordering.set(held)
    return lambda: _ordering.reset(token)


def ordering_turn() -> Held | None:
    """The current delivery's turn among those of its flow, if it holds one."""
    return _ordering.get()


class SharedReads(Generic[K, V]):
    """Concurrent reads of one key share one round trip: who asks while a read of the key is
    under way waits for its answer instead of sending the same read (a remembered copy that
    expires would otherwise be read again by every order in flight at that moment).

    A read begun before :meth:`forget` is shared with nobody who asks after it: what this
    process changed is read afresh."""

    def __init__(self) -> None:
        self._reads: dict[K, asyncio.Future[V]] = {}

    async def read(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        read = self._reads.get(key)
        if read is None:
            read = asyncio.ensure_future(load())
            self._reads[key] = read
            read.add_done_callback(functools.partial(self._done, key))
        # A caller cancelled (its delivery ended) leaves the read to the others.
        return await asyncio.shield(read)

    def forget(self, key: K) -> None:
        self._reads.pop(key, None)

    def forget_all(self) -> None:
        self._reads.clear()

    def _done(self, key: K, read: asyncio.Future[V]) -> None:
        if self._reads.get(key) is read:
            del self._reads[key]
        if not read.cancelled():
            read.exception()  # its waiters were given it; none left is not an unretrieved error
