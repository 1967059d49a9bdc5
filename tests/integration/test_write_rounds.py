"""Writes of one collection that wait while another is sent go together, over a real
MongoDB-wire server: fewer commands, and each write keeps its own outcome (matched or not, its
duplicate key), even when another writer's conflict makes a round's count short."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from shared.storage.mongo import Document, connect, database
from shared.storage.rounds import ROUND_MARK, WriteOutcomeUnknown, WriteRounds
from tests.support.commands import Sent
from tests.support.services import Environment

COUNT = 10


@pytest.fixture
async def commands() -> Sent:
    return Sent()


@pytest.fixture
async def db(env: Environment, mongo: Any, commands: Sent) -> AsyncIterator[Any]:
    client = connect(mongo.url, app_name="oms-tests", listeners=[commands])
    yield database(client, env.database("rounds"))
    await client.close()


async def _stored(db: Any, versions: dict[str, int]) -> None:
    await db.docs.insert_many([{"_id": key, "version": v} for key, v in versions.items()])
    await db.docs.update_many({}, {"$unset": {ROUND_MARK: ""}})


def _bump(version: int, note: str) -> list[Document]:
    return [{"$set": {"version": version + 1, "note": note}}]


async def test_updates_waiting_while_one_is_sent_go_in_one_command(db: Any, commands: Sent) -> None:
    await _stored(db, {f"d{i}": 1 for i in range(COUNT)})
    rounds = WriteRounds(db.docs)
    commands.clear()

    def update(i: int) -> Any:
        return rounds.update({"_id": f"d{i}", "version": 1}, _bump(1, f"n{i}"))

    first = asyncio.create_task(update(0))
    while not commands.writes():  # the first is on its way, alone
        await asyncio.sleep(0)
    matched = await asyncio.gather(first, *(update(i) for i in range(1, COUNT)))

    assert matched == [True] * COUNT
    assert commands.written() == {("update", "docs"): 2}
    docs = await db.docs.find({}, {ROUND_MARK: 0}).sort("_id").to_list(None)
    assert docs == sorted(
        ({"_id": f"d{i}", "version": 2, "note": f"n{i}"} for i in range(COUNT)),
        key=lambda d: str(d["_id"]),
    )


async def test_a_lone_update_is_sent_as_before_and_marks_nothing(db: Any, commands: Sent) -> None:
    await _stored(db, {"a": 3})
    rounds = WriteRounds(db.docs)
    commands.clear()

    assert await rounds.update({"_id": "a", "version": 3}, {"$set": {"version": 4}})
    assert not await rounds.update({"_id": "a", "version": 3}, {"$set": {"version": 4}})

    assert commands.writes() == ["update", "update"]
    assert await db.docs.find_one({"_id": "a"}) == {"_id": "a", "version": 4}


async def test_a_round_tells_which_statements_met_a_conflict(db: Any, commands: Sent) -> None:
    # Every other document was changed by someone else since it was read.
    await _stored(db, {f"d{i}": 1 if i % 2 == 0 else 2 for i in range(COUNT)})
    rounds = WriteRounds(db.docs)
    commands.clear()

    matched = await asyncio.gather(
        *(rounds.update({"_id": f"d{i}", "version": 1}, _bump(1, "mine")) for i in range(COUNT))
    )

    assert matched == [i % 2 == 0 for i in range(COUNT)]
    assert commands.written() == {("update", "docs"): 1}
    assert commands.commands.count(("find", "docs")) == 1  # the round's count was short
    for i in range(COUNT):
        doc = await db.docs.find_one({"_id": f"d{i}"})
        assert (doc["version"], doc.get("note")) == ((2, "mine") if i % 2 == 0 else (2, None))


async def test_update_documents_and_pipelines_share_a_round(db: Any) -> None:
    await _stored(db, {"a": 1, "b": 1, "c": 1})
    rounds = WriteRounds(db.docs)

    matched = await asyncio.gather(
        rounds.update({"_id": "a", "version": 1}, {"$set": {"version": 2, "x": 1}}),
        rounds.update({"_id": "b", "version": 1}, {"$set": {"version": 2}, "$push": {"l": 1}}),
        rounds.update({"_id": "c", "version": 1}, _bump(1, "p")),
    )

    assert list(matched) == [True, True, True]
    docs = {d["_id"]: d async for d in db.docs.find({}, {ROUND_MARK: 0})}
    assert docs["a"] == {"_id": "a", "version": 2, "x": 1}
    assert docs["b"] == {"_id": "b", "version": 2, "l": [1]}
    assert docs["c"] == {"_id": "c", "version": 2, "note": "p"}


async def test_inserts_share_a_round_and_a_taken_id_fails_alone(db: Any, commands: Sent) -> None:
    await db.docs.insert_one({"_id": "taken"})
    rounds = WriteRounds(db.docs)
    commands.clear()
    ids = [f"n{i}" for i in range(COUNT)]
    ids[5] = "taken"

    outcomes = await asyncio.gather(
        *(rounds.insert({"_id": key, "v": 1}) for key in ids), return_exceptions=True
    )

    assert [type(o) for o in outcomes] == [
        DuplicateKeyError if key == "taken" else type(None) for key in ids
    ]
    assert commands.written() == {("insert", "docs"): 1}
    assert await db.docs.count_documents({"v": 1}) == COUNT - 1
    assert await db.docs.find_one({"_id": "taken"}) == {"_id": "taken"}


class _ThirdWriter:
    """The collection, with another process's round writing ``doc_id`` again just before the
    round's outcome is read back: the mark a statement left is written over."""

    def __init__(self, collection: Any, doc_id: str) -> None:
        self.collection = collection
        self.doc_id = doc_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self.collection, name)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        collection, doc_id = self.collection, self.doc_id

        async def found() -> AsyncIterator[Document]:
            await collection.update_one(
                {"_id": doc_id}, {"$inc": {"version": 1}, "$set": {ROUND_MARK: 7}}
            )
            async for doc in collection.find(*args, **kwargs):
                yield doc

        return found()


async def test_an_outcome_that_cannot_be_told_is_retried_as_a_lost_connection(db: Any) -> None:
    await _stored(db, {"a": 3, "b": 5, "c": 1})
    rounds = WriteRounds(_ThirdWriter(db.docs, "a"))  # type: ignore[arg-type]

    outcomes = await asyncio.gather(
        rounds.update({"_id": "c", "version": 1}, _bump(1, "mine")),  # made, mark kept
        rounds.update({"_id": "a", "version": 3}, _bump(3, "mine")),  # made, then written over
        rounds.update({"_id": "b", "version": 1}, _bump(1, "mine")),  # stale: not made
        return_exceptions=True,
    )

    # One of the last two was made, and the third writer's mark hides which.
    assert outcomes[0] is True
    assert all(isinstance(o, WriteOutcomeUnknown) for o in outcomes[1:])
    assert issubclass(WriteOutcomeUnknown, ConnectionFailure)
    assert (await db.docs.find_one({"_id": "a"}))["version"] == 5
    assert (await db.docs.find_one({"_id": "b"}))["version"] == 5
