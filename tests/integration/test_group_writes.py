"""Writes that wait to share a round trip: the ledger's and projections' group commits, and the
outbox's forgetting of published entries. However the writes trickle in, and however slow the
database answers, each round lingers before it writes: no more than one write per linger."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.storage.batch import InsertBatch, LatestBatch, UpdateBatch
from shared.storage.mongo import Document, database
from shared.storage.outbox import OutboxRelay
from tests.support.services import Environment

SLOW_WRITE = 0.05
"""A database answering this slowly: writes arrive while a batch is being written."""
LINGER = 0.15
SPACING = 0.01
COUNT = 60
"""60 writes, one every 10 ms: 0.6 s of arrivals, four lingers' worth."""


class _Slow:
    """A collection whose bulk writes take ``SLOW_WRITE`` longer, counting them."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self.name = collection.name
        self.writes: list[int] = []

    async def insert_many(self, docs: list[Document], **options: Any) -> Any:
        self.writes.append(len(docs))
        await asyncio.sleep(SLOW_WRITE)
        return await self.collection.insert_many(docs, **options)

    async def bulk_write(self, requests: list[Any], **options: Any) -> Any:
        self.writes.append(len(requests))
        await asyncio.sleep(SLOW_WRITE)
        return await self.collection.bulk_write(requests, **options)


async def _never(_entry: Document) -> None:
    raise AssertionError("nothing is published here")


async def _trickle(write: Any) -> None:
    async def one(i: int) -> None:
        await asyncio.sleep(i * SPACING)
        await write(i)

    await asyncio.gather(*(one(i) for i in range(COUNT)))


def _most_writes() -> int:
    # One round per linger plus its write, over the arrivals, and the last round's.
    return int(COUNT * SPACING / (LINGER + SLOW_WRITE)) + 2


async def test_inserts_trickling_in_share_one_write_per_linger(
    env: Environment, mongo_client: Any
) -> None:
    db = database(mongo_client, env.database("group"))
    batch = InsertBatch(db.ledger, linger=LINGER)
    slow = batch.collection = _Slow(db.ledger)  # type: ignore[assignment]

    await _trickle(lambda i: batch.insert({"_id": f"E-{i}", "n": i}))

    assert sum(slow.writes) == COUNT
    assert len(slow.writes) <= _most_writes(), slow.writes
    assert await db.ledger.count_documents({}) == COUNT


async def test_projection_updates_trickling_in_keep_the_newest_in_one_write_per_linger(
    env: Environment, mongo_client: Any
) -> None:
    db = database(mongo_client, env.database("group"))
    batch = LatestBatch(db.levels, field="sequence", linger=LINGER)
    slow = batch.collection = _Slow(db.levels)  # type: ignore[assignment]

    await _trickle(lambda i: batch.put({"_id": f"S-{i % 3}", "sequence": i, "on_hand": i}))

    assert len(slow.writes) <= _most_writes(), slow.writes
    stored = {doc["_id"]: doc["sequence"] async for doc in db.levels.find()}
    assert stored == {"S-0": COUNT - 3, "S-1": COUNT - 2, "S-2": COUNT - 1}


async def test_published_entries_are_forgotten_in_one_write_per_linger(
    env: Environment, mongo_client: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("shared.storage.outbox.FORGET_LINGER_SECONDS", LINGER)
    db = database(mongo_client, env.database("group"))
    docs = [
        {"_id": f"D-{i}", "outbox": [{"message_id": f"M-{i}"}], "outbox_pending": True}
        for i in range(COUNT)
    ]
    await db.orders.insert_many(docs)

    relay = OutboxRelay(db, ["orders"], _never, owner="test")
    forgetter = relay._forgetting["orders"]  # the write path under test
    slow = forgetter.collection = _Slow(db.orders)  # type: ignore[assignment]

    async def published(i: int) -> None:
        relay.forget_later("orders", f"D-{i}", [f"M-{i}"])

    await _trickle(published)
    await relay.stop()

    assert slow.writes == [1] * len(slow.writes)  # a round's documents: one update
    assert len(slow.writes) <= _most_writes(), slow.writes
    left = await db.orders.count_documents({"outbox_pending": True})
    assert left == 0
    assert await db.orders.count_documents({"outbox": []}) == COUNT


async def test_one_update_removes_each_documents_own_published_entries_and_no_other(
    env: Environment, mongo_client: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("shared.storage.outbox.FORGET_IDS_PER_UPDATE", 4)
    db = database(mongo_client, env.database("group"))

    def entry(message_id: str, answers: str | None = None) -> Document:
        return {"message_id": message_id, "answer_to": answers}

    await db.orders.insert_many(
        [
            {"_id": f"D-{i}", "outbox": [entry(f"M-{i}", f"C-{i}"), entry(f"N-{i}")]}
            | {"outbox_pending": True}
            for i in range(5)
        ]
    )

    relay = OutboxRelay(db, ["orders"], _never, owner="test")
    slow = relay._forgetting["orders"].collection = _Slow(db.orders)  # type: ignore[assignment]
    relay.answering.update({"M-0", "M-3"})
    relay.forget_later("orders", "D-0", ["M-0", "N-0"])
    for i in (1, 2, 3):  # the rest stays: a writer added it after the publication
        relay.forget_later("orders", f"D-{i}", [f"M-{i}"])
    await relay.stop()

    assert slow.writes == [2]  # two updates of at most four entries: D-0 and D-1, D-2 and D-3
    stored = {doc["_id"]: doc async for doc in db.orders.find()}
    assert [e["message_id"] for e in stored["D-0"]["outbox"]] == []
    assert "outbox_pending" not in stored["D-0"]
    assert [e["message_id"] for e in stored["D-0"]["answers"]] == ["M-0"]
    for i in (1, 2, 3):
        assert [e["message_id"] for e in stored[f"D-{i}"]["outbox"]] == [f"N-{i}"]
        assert stored[f"D-{i}"]["outbox_pending"] is True
    assert [e["message_id"] for e in stored["D-3"]["answers"]] == ["M-3"]
    assert stored["D-1"].get("answers", []) == []  # no answer of its own
    assert [e["message_id"] for e in stored["D-4"]["outbox"]] == ["M-4", "N-4"]
    assert relay.unrecorded == {}
    assert relay.answering == set()


async def test_a_full_batch_is_written_without_waiting_out_the_linger(
    env: Environment, mongo_client: Any
) -> None:
    db = database(mongo_client, env.database("group"))
    batch = InsertBatch(db.ledger, linger=30.0)  # would hold every delivery half a minute
    slow = batch.collection = _Slow(db.ledger)  # type: ignore[assignment]

    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(batch.insert({"_id": f"F-{i}", "n": i}) for i in range(2 * batch.full)))

    assert asyncio.get_running_loop().time() - started < 5
    assert sum(slow.writes) == 2 * batch.full
    assert len(slow.writes) <= 2


async def test_updates_trickling_in_apply_in_order_one_write_per_linger(
    env: Environment, mongo_client: Any
) -> None:
    db = database(mongo_client, env.database("group"))
    batch = UpdateBatch(db.views, linger=LINGER)
    slow = batch.collection = _Slow(db.views)  # type: ignore[assignment]

    async def change(i: int) -> None:  # three documents, each counting its changes in order
        await batch.update(
            {"_id": f"V-{i % 3}"}, {"$push": {"seen": i}, "$inc": {"n": 1}}, upsert=True
        )

    await _trickle(change)

    assert sum(slow.writes) == COUNT
    assert len(slow.writes) <= _most_writes(), slow.writes
    stored = {doc["_id"]: doc["seen"] async for doc in db.views.find()}
    assert stored == {f"V-{k}": list(range(k, COUNT, 3)) for k in range(3)}


async def test_an_update_that_fails_fails_alone_and_those_after_it_still_apply(
    env: Environment, mongo_client: Any
) -> None:
    db = database(mongo_client, env.database("group"))
    await db.views.insert_one({"_id": "V-1", "status_at": 5})
    batch = UpdateBatch(db.views, linger=LINGER)

    older = batch.update(  # matches nothing (a newer status is stored): the upsert collides
        {"_id": "V-1", "status_at": {"$lte": 3}}, {"$set": {"status_at": 3}}, upsert=True
    )
    before = batch.update({"_id": "V-0"}, {"$set": {"n": 1}}, upsert=True)
    after = batch.update({"_id": "V-2"}, {"$set": {"n": 2}}, upsert=True)
    results = await asyncio.gather(before, older, after, return_exceptions=True)

    assert results[0] is None
    assert isinstance(results[1], DuplicateKeyError)
    assert results[2] is None
    stored = {doc["_id"]: doc async for doc in db.views.find()}
    assert stored["V-1"]["status_at"] == 5
    assert (stored["V-0"]["n"], stored["V-2"]["n"]) == (1, 2)


async def test_pipelines_of_one_document_in_a_round_go_as_one_statement(
    env: Environment, mongo_client: Any
) -> None:
    """Joined, the stages of one document's pipelines end it as applied one by one: an upsert
    that creates it, then changes on what the one before left; a classic update between two
    pipelines of a document keeps them apart, and other documents' writes keep their place."""
    db = database(mongo_client, env.database("group"))
    batch = UpdateBatch(db.views, linger=LINGER)
    slow = batch.collection = _Slow(db.views)  # type: ignore[assignment]

    def push(value: int) -> list[Document]:
        seen = {"$ifNull": ["$seen", []]}
        return [{"$set": {"seen": {"$concatArrays": [seen, [value]]}, "last": value}}]

    await asyncio.gather(
        batch.update({"_id": "J-1"}, push(1), upsert=True),
        batch.update({"_id": "J-2"}, push(10), upsert=True),
        batch.update({"_id": "J-1"}, push(2), upsert=True),
        batch.update({"_id": "J-1"}, push(3), upsert=True),
        batch.update({"_id": "J-2"}, {"$set": {"classic": True}}, upsert=True),
        batch.update({"_id": "J-2"}, push(11), upsert=True),
        batch.update({"_id": "J-1"}, [{"$set": {"n": {"$size": "$seen"}}}], upsert=True),
    )

    assert slow.writes == [4]  # J-1's four as one; J-2: a pipeline, the $set, a pipeline
    stored = {doc["_id"]: doc async for doc in db.views.find()}
    assert stored["J-1"] == {"_id": "J-1", "seen": [1, 2, 3], "last": 3, "n": 3}
    assert stored["J-2"] == {"_id": "J-2", "seen": [10, 11], "last": 11, "classic": True}


async def test_a_joined_statement_that_fails_is_tried_again_write_by_write(
    env: Environment, mongo_client: Any
) -> None:
    db = database(mongo_client, env.database("group"))
    await db.views.insert_one({"_id": "J-3", "n": "text"})
    batch = UpdateBatch(db.views, linger=LINGER)

    results = await asyncio.gather(
        batch.update({"_id": "J-0"}, [{"$set": {"n": 1}}], upsert=True),
        batch.update({"_id": "J-3"}, [{"$set": {"m": 1}}], upsert=True),
        batch.update({"_id": "J-3"}, [{"$set": {"n": {"$add": ["$n", 1]}}}], upsert=True),
        batch.update({"_id": "J-4"}, [{"$set": {"n": 4}}], upsert=True),
        return_exceptions=True,
    )

    assert results[0] is None
    assert results[1] is None  # joined with the failing one, then written alone
    assert isinstance(results[2], Exception), results
    assert results[3] is None  # untried in the failed round, written in the next
    stored = {doc["_id"]: doc async for doc in db.views.find()}
    assert stored["J-3"] == {"_id": "J-3", "n": "text", "m": 1}
    assert (stored["J-0"]["n"], stored["J-4"]["n"]) == (1, 4)
