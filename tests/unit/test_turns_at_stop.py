"""A stopping process gives back the deliveries waiting for a turn inside their handler (a busy
record's), as it does those waiting for their slot: they changed nothing the turn guards, and
waiting would hold the stop up behind every delivery before them."""

from __future__ import annotations

import asyncio

from faststream import ContextRepo
from pymongo.errors import ConnectionFailure

from shared.concurrency import KeyedLocks, on_turn_waits, waiting_for_turn
from shared.messaging.routing import Routing
from shared.messaging.settlement import Settlement, _Settle


def _settlement() -> Settlement:
    return Settlement(service="inventory", routing=Routing("inventory", "inventory.commands", []))


async def _delivery(settlement: Settlement, locks: KeyedLocks, done: list[str], name: str) -> None:
    """A delivery in hand as the settlement runs it: tracked in flight, its turn waits hooked."""
    task = asyncio.current_task()
    assert task is not None
    settlement.in_flight.add(task)
    task.add_done_callback(settlement.in_flight.discard)
    undo = on_turn_waits(settlement.waiting_for_turn)
    try:
        async with locks.hold("stock-1"):
            await asyncio.sleep(0.05)
            done.append(name)
    finally:
        undo()


async def test_a_delivery_waiting_for_a_busy_record_is_given_back_and_the_holder_finishes() -> None:
    settlement, locks, done = _settlement(), KeyedLocks(), list[str]()
    holder = asyncio.create_task(_delivery(settlement, locks, done, "holder"))
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(_delivery(settlement, locks, done, "waiter"))
    await asyncio.sleep(0.01)
    assert waiter in settlement.waiting
    assert holder not in settlement.waiting

    settlement.stopping.set()
    await settlement.give_back(waiting_only=True)

    assert waiter.cancelled()
    await holder
    assert done == ["holder"]
    assert not locks._locks  # the waiter's place is gone with it


async def test_once_stopping_a_delivery_that_would_wait_goes_back_and_one_that_need_not_runs() -> (
    None
):
    settlement, locks, done = _settlement(), KeyedLocks(), list[str]()
    settlement.stopping.set()
    alone = asyncio.create_task(_delivery(settlement, locks, done, "alone"))
    await asyncio.sleep(0.01)
    behind = asyncio.create_task(_delivery(settlement, locks, done, "behind"))
    await asyncio.gather(alone, behind, return_exceptions=True)
    assert done == ["alone"]
    assert behind.cancelled()


async def test_work_a_delivery_started_outside_itself_is_never_given_back() -> None:
    # A publication the handler started runs in a task of its own, with the delivery's
    # context copied: it is not a delivery, and it waits for its turn whatever happens.
    settlement, locks = _settlement(), KeyedLocks()
    settlement.stopping.set()
    undo = on_turn_waits(settlement.waiting_for_turn)
    try:
        async with locks.hold("doc"):
            other = asyncio.create_task(_publication(locks))
            await asyncio.sleep(0.01)
            assert other not in settlement.waiting
    finally:
        undo()
    assert await other == "published"


async def _publication(locks: KeyedLocks) -> str:
    async with locks.hold("doc"):
        return "published"


async def test_outside_a_delivery_a_turn_wait_is_a_plain_wait() -> None:
    with waiting_for_turn():
        await asyncio.sleep(0)


class _Raw:
    nacked = False

    async def nack(self, requeue: bool) -> None:
        self.nacked = requeue


async def test_a_failed_delivery_goes_back_at_once_when_stopping_not_after_the_backoff() -> None:
    settlement = _settlement()
    settlement.retry_backoff = 30.0
    raw = _Raw()
    settle = _Settle(raw, context=ContextRepo(), settlement=settlement)
    waiting = asyncio.create_task(settle._settle(ConnectionFailure("database away")))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # running: it waits the backoff, so as not to spin

    settlement.stopping.set()
    async with asyncio.timeout(1.0):
        await waiting
    assert raw.nacked is True
