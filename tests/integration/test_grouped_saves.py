"""Saves of different aggregates made at about the same time share a round trip, over a real
MongoDB-wire server (:class:`~shared.storage.saves.SaveBatch`): nothing waits to be batched,
and each write keeps its own outcome, as if it had been sent alone. The outbox's removals of
published entries ride with them. Reads by ``_id`` made together share one query
(:class:`~shared.storage.reads.ReadBatch`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from services.order.orders.domain.order import Order
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.reads import ReadBatch
from shared.storage.recent import RecentDocuments
from shared.storage.saves import SaveBatch
from tests.integration.test_joined_changes import _pending, _seen, _store
from tests.integration.test_outbox import submitted_order
from tests.support.commands import Sent, counted
from tests.support.services import Environment


@pytest.fixture
async def commands() -> Sent:
    return Sent()


@pytest.fixture
async def db(env: Environment, mongo: Any, commands: Sent) -> AsyncIterator[Any]:
    async with counted(mongo.url, env.database("saves"), commands) as saves_db:
        yield saves_db


def _bump(to: int) -> list[Document]:
    return [{"$set": {"state": to, "version": to}}]


async def test_saves_of_orders_handled_together_share_round_trips(db: Any, commands: Sent) -> None:
    store = _store(db)
    orders = [await submitted_order(store) for _ in range(8)]
    before = commands.writes().count("update")

    events = [_pending(order, 0) for order in orders]
    await asyncio.gather(
        *(
            store.change(o.id, e, _seen(e), missing=LookupError)
            for o, e in zip(orders, events, strict=True)
        )
    )

    updates = commands.writes().count("update") - before
    assert updates <= 2  # the first alone; the seven made meanwhile in one round
    for order, event in zip(orders, events, strict=True):
        doc = await db.orders.find_one({"_id": order.id})
        assert doc["version"] == 2
        assert doc["applied_messages"][-1] == str(event.message_id)
        assert doc["timeline"][-1]["message_id"] == str(event.message_id)


async def test_each_write_of_a_round_has_its_own_outcome(db: Any, commands: Sent) -> None:
    await db.docs.insert_many([{"_id": n, "state": 1, "version": 1} for n in range(4)])
    saves = SaveBatch(db.docs)
    commands.clear()

    outcomes = await asyncio.gather(
        saves.update({"_id": 0, "version": 1}, _bump(2)),
        saves.update({"_id": 1, "version": 7}, _bump(8)),  # stale: someone wrote it since
        saves.insert({"_id": 2, "state": 1, "version": 1}),  # taken
        saves.insert({"_id": 9, "state": 1, "version": 1}),
        saves.update({"_id": 3, "version": 1}, _bump(2)),
        return_exceptions=True,
    )

    assert outcomes[0] is True
    assert outcomes[1] is False
    assert isinstance(outcomes[2], DuplicateKeyError)
    assert outcomes[3] is None
    assert outcomes[4] is True
    stored = {doc["_id"]: doc["version"] async for doc in db.docs.find()}
    assert stored == {0: 2, 1: 1, 2: 1, 3: 2, 9: 1}
    # One round: its inserts and its updates (one command each), then the stale update alone.
    assert commands.writes() == ["insert", "update", "update"]


async def test_an_update_of_a_removed_document_matches_nothing_and_leaves_nothing(
    db: Any,
) -> None:
    await db.docs.insert_one({"_id": "kept", "state": 1, "version": 1})
    saves = SaveBatch(db.docs)

    outcomes = await asyncio.gather(
        saves.update({"_id": "kept", "version": 1}, _bump(2)),
        saves.update({"_id": "removed", "version": 1}, _bump(2)),
    )

    assert list(outcomes) == [True, False]
    assert await db.docs.count_documents({}) == 1


async def test_an_update_that_breaks_a_unique_index_gets_its_own_error(db: Any) -> None:
    await db.docs.create_index("code", unique=True)
    await db.docs.insert_many(
        [{"_id": n, "code": f"c{n}", "state": 1, "version": 1} for n in range(3)]
    )
    saves = SaveBatch(db.docs)
    taken = [{"$set": {"code": "c0", "version": 2}}]

    outcomes = await asyncio.gather(
        saves.update({"_id": 0, "version": 1}, _bump(2)),
        saves.update({"_id": 1, "version": 1}, taken),
        saves.update({"_id": 2, "version": 1}, _bump(2)),
        return_exceptions=True,
    )

    assert outcomes[0] is True
    assert outcomes[2] is True
    assert isinstance(outcomes[1], DuplicateKeyError)
    assert (await db.docs.find_one({"_id": 1}))["version"] == 1


async def test_a_write_alone_is_the_drivers_single_document_call(db: Any, commands: Sent) -> None:
    await db.docs.insert_one({"_id": 1, "state": 1, "version": 1})
    saves = SaveBatch(db.docs)
    commands.clear()

    assert await saves.update({"_id": 1, "version": 1}, _bump(2)) is True
    assert await saves.update({"_id": 1, "version": 1}, _bump(2)) is False
    await saves.insert({"_id": 2, "state": 1, "version": 1})

    assert commands.writes() == ["update", "update", "insert"]
    assert await db.docs.count_documents({}) == 2


async def test_a_caller_that_stopped_waiting_is_not_written(db: Any) -> None:
    await db.docs.insert_many([{"_id": n, "state": 1, "version": 1} for n in range(2)])
    saves = SaveBatch(db.docs)

    first = asyncio.ensure_future(saves.update({"_id": 0, "version": 1}, _bump(2)))
    second = asyncio.ensure_future(saves.update({"_id": 1, "version": 1}, _bump(2)))
    await asyncio.sleep(0)
    second.cancel()

    assert await first is True
    with pytest.raises(asyncio.CancelledError):
        await second
    await asyncio.sleep(0.05)
    assert (await db.docs.find_one({"_id": 1}))["version"] == 1


async def test_reads_by_id_made_together_share_one_query(db: Any, commands: Sent) -> None:
    await db.docs.insert_many([{"_id": n, "state": n} for n in range(6)])
    reads = ReadBatch(db.docs, {"state": 1})
    commands.clear()

    found = await asyncio.gather(
        reads.get([0, 1]), reads.get([2]), reads.get([3, 99]), reads.get([1, 4])
    )

    assert [sorted(docs) for docs in found] == [[0, 1], [2], [3], [1, 4]]
    assert found[3][4] == {"_id": 4, "state": 4}
    assert [name for name, _ in commands.commands if name == "find"] == ["find"]


async def test_published_entries_are_removed_by_the_next_round_of_saves(
    db: Any, commands: Sent
) -> None:
    published: list[str] = []

    async def publish(entry: Document) -> None:
        published.append(entry["message_id"])

    relay = OutboxRelay(db, ["orders"], publish, owner="test")
    await relay.start()
    try:
        store = AggregateStore(db.orders, Order, relay, recent=RecentDocuments())
        first, second = await submitted_order(store), await submitted_order(store)
        while len(published) < 4:  # each: order.created, order.submitted
            await asyncio.sleep(0.01)
        commands.clear()

        event = _pending(second, 0)
        await store.change(second.id, event, _seen(event), missing=LookupError)

        # One command saved the second order and forgot the first one's published entries,
        # long before the forget round's linger would have.
        assert commands.writes() == ["update"]
        stored = await db.orders.find_one({"_id": first.id})
        assert stored["outbox"] == []
        assert "outbox_pending" not in stored
        assert not relay.unrecorded.get(("orders", first.id))
    finally:
        await relay.stop()
