"""A stopping relay stays within its bound however its database behaves: a removal that never
completes is given up when the stop's time is over, and the event loop keeps turning."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from shared.storage.outbox import OutboxRelay


class _Hanging:
    """A collection whose writes never complete, and a database of such collections."""

    def __init__(self) -> None:
        self.writes = 0

    async def bulk_write(self, *args: Any, **kwargs: Any) -> None:
        self.writes += 1
        await asyncio.Event().wait()

    def __getitem__(self, name: str) -> _Hanging:
        return self


def _stop_with_a_hanging_removal(timeout: float) -> float:
    async def scenario() -> float:
        db = _Hanging()

        async def publish(entry: Any) -> None: ...

        relay = OutboxRelay(db, ["orders"], publish, owner="me")  # type: ignore[arg-type]
        relay.unrecorded[("orders", "SO-1")] = {"m-1"}
        relay._forgetting["orders"].forget("SO-1", ["m-1"], deadline=0.0)
        await asyncio.sleep(0.05)  # the removal is under way, and hangs
        loop = asyncio.get_running_loop()
        began = loop.time()
        try:
            async with asyncio.timeout(timeout):  # as the lifecycle bounds each step
                await relay.stop(timeout=timeout / 2)
        except TimeoutError:
            pass
        assert db.writes >= 1
        return loop.time() - began

    took: list[float] = []
    worker = threading.Thread(target=lambda: took.append(asyncio.run(scenario())), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "the stop spun: the event loop never turned again"
    return took[0]


def test_a_removal_that_never_completes_holds_a_stop_only_until_its_bound() -> None:
    assert _stop_with_a_hanging_removal(0.5) < 1.0


def test_a_round_that_ended_before_its_cleanup_ran_does_not_hold_the_flush() -> None:
    # A removal round that has ended while its cleanup (the done callback dropping it from
    # the rounds under way) has not run yet: waiting for it again completes at once, without
    # yielding, and a flush that kept asking would spin forever.
    async def scenario() -> None:
        async def publish(entry: Any) -> None: ...

        relay = OutboxRelay(_Hanging(), ["orders"], publish, owner="me")  # type: ignore[arg-type]
        forgetter = relay._forgetting["orders"]
        ended = asyncio.get_running_loop().create_future()
        ended.set_result(None)
        forgetter._writes.add(ended)  # type: ignore[arg-type]
        await forgetter.flush()

    worker = threading.Thread(target=lambda: asyncio.run(scenario()), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "the flush spun on a round that had ended"
