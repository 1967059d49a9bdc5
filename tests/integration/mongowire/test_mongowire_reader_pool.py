"""Reads of several documents reuse idle SQLite connections (``mongoeco_patch.reader_pool``):
each read still sees every write made before it, reads open at the same time each have their
own connection, and the idle ones close with the engine."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from deploy.local import mongoeco_patch

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, Any]


def _client(path: Path) -> Any:
    assert mongoeco_patch.apply()
    from mongoeco import AsyncMongoClient
    from mongoeco.engines.sqlite import SQLiteEngine

    return AsyncMongoClient(SQLiteEngine(str(path), executor_workers=1))


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[sqlite3.Connection]:
    made: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def counting(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = connect(*args, **kwargs)
        made.append(connection)
        return connection

    monkeypatch.setattr(sqlite3, "connect", counting)
    return made


async def test_each_read_sees_the_writes_before_it_on_one_reused_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _client(tmp_path / "reads.sqlite3") as client:
        docs = client["db"]["docs"]
        await docs.insert_many([{"_id": i, "n": i} for i in range(5)])
        made = _counting(monkeypatch)
        for i in range(10):
            await docs.insert_one({"_id": 100 + i, "n": 100 + i})
            assert len(await docs.find({}).to_list()) == 6 + i
            await docs.update_one({"_id": i % 5}, {"$inc": {"n": 1000}})
            total = await docs.aggregate([{"$group": {"_id": None, "n": {"$sum": "$n"}}}])
            assert (await total.to_list())[0]["n"] == sum(range(5)) + sum(
                range(100, 101 + i)
            ) + 1000 * (i + 1)
        assert len(made) == 1  # released: one per read, twenty


async def test_the_idle_connections_close_with_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _counting(monkeypatch)
    async with _client(tmp_path / "close.sqlite3") as client:
        docs = client["db"]["docs"]
        await docs.insert_many([{"_id": i} for i in range(3)])
        assert len(await docs.find({}).to_list()) == 3
        readers = [c for c in made if getattr(c, "_oms_idle", None) is not None]
        assert len(readers) == 1
    with pytest.raises(sqlite3.ProgrammingError):
        readers[0].execute("SELECT 1")


async def test_reads_open_at_once_each_read_their_own_documents(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.insert_many([{"_id": i} for i in range(10)])
    cursors = [collection.find({}, batch_size=2, sort=[("_id", 1)]) for _ in range(3)]
    read: list[list[int]] = [[], [], []]
    for _ in range(5):  # each cursor keeps its reader between batches (getMore)
        for cursor, ids in zip(cursors, read, strict=True):
            ids += [doc["_id"] async for doc in _batch(cursor)]
    assert read == [list(range(10))] * 3
    assert len(await collection.find({}).to_list()) == 10


async def _batch(cursor: Any) -> Any:
    for _ in range(2):
        yield await cursor.next()


async def test_the_wire_server_answers_many_reads_in_turn(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.insert_many([{"_id": i, "k": i % 3} for i in range(30)])
    for round_ in range(20):
        await collection.insert_one({"_id": 100 + round_, "k": 0})
        found = await collection.find({"k": 0}, {"_id": 1}).to_list()
        assert len(found) == 10 + round_ + 1
