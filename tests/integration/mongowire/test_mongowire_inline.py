"""A one-worker engine runs its calls on the server's own thread
(``mongoeco_patch.inline_engine``), and the decoder's parameters are asked once
(``mongoeco_patch.codec_parameters``): the answers stay the ones mongoeco gives as released,
also with many clients at once."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import bson
import pytest
from bson import Decimal128, MinKey
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from deploy.local import mongoeco_patch
from tests.support.servers import MongoServer

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, Any]
AT = datetime(2026, 12, 7, 1, 0)  # noqa: DTZ001 - PyMongo reads dates back naive, in UTC
CALLER = contextvars.ContextVar("caller", default="none")


def _engine(path: Path, workers: int) -> Any:
    assert mongoeco_patch.apply()
    from mongoeco.engines.sqlite import SQLiteEngine

    return SQLiteEngine(str(path), executor_workers=workers)


def _where(name: str) -> Any:
    """An engine call named ``name``: the thread it ran on; it changes the context it gets."""

    def call() -> int:
        CALLER.set("changed inside")  # a copy of the context: the caller's stays
        return threading.get_ident()

    call.__name__ = name
    return call


async def _thread_of_a_call(path: Path, workers: int, name: str) -> int:
    run: Any = _engine(path, workers)._run_blocking
    CALLER.set("the caller's")
    ident: int = await run(_where(name))
    assert CALLER.get() == "the caller's"
    return ident


@pytest.mark.unit
def test_one_worker_runs_a_per_document_call_on_the_calling_thread(tmp_path: Path) -> None:
    ident = asyncio.run(
        _thread_of_a_call(tmp_path / "one.sqlite3", 1, "_update_with_operation_sync")
    )
    assert ident == threading.get_ident()


@pytest.mark.unit
def test_a_call_on_a_whole_collection_still_goes_to_the_worker(tmp_path: Path) -> None:
    ident = asyncio.run(_thread_of_a_call(tmp_path / "bulk.sqlite3", 1, "_insert_documents_sync"))
    assert ident != threading.get_ident()


@pytest.mark.unit
def test_more_workers_hand_every_call_to_one_of_them(tmp_path: Path) -> None:
    ident = asyncio.run(_thread_of_a_call(tmp_path / "two.sqlite3", 2, "_get_document_sync"))
    assert ident != threading.get_ident()


@pytest.mark.unit
def test_no_call_runs_inline_beside_one_in_the_worker(tmp_path: Path) -> None:
    """While a long call is in the worker, a per-document call waits for it there: no two
    calls overlap, as with the one worker."""

    async def both() -> tuple[list[str], int]:
        run: Any = _engine(tmp_path / "both.sqlite3", 1)._run_blocking
        order: list[str] = []
        started = threading.Event()

        def _count_matching_documents_sync() -> None:
            started.set()
            time.sleep(0.2)
            order.append("long")

        def _get_document_sync() -> int:
            order.append("short")
            return threading.get_ident()

        long = asyncio.create_task(run(_count_matching_documents_sync))
        while not started.is_set():
            await asyncio.sleep(0.005)
        ident: int = await run(_get_document_sync)
        await long
        return order, ident

    order, ident = asyncio.run(both())
    assert order == ["long", "short"]
    assert ident != threading.get_ident()


@pytest.mark.unit
def test_an_error_of_the_call_reaches_the_caller(tmp_path: Path) -> None:
    async def failing() -> None:
        run: Any = _engine(tmp_path / "e.sqlite3", 1)._run_blocking

        def _insert_document_sync() -> None:
            raise ValueError("from the engine")

        await run(_insert_document_sync)

    with pytest.raises(ValueError, match="from the engine"):
        asyncio.run(failing())


@pytest.mark.unit
def test_the_decoders_parameters_are_asked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mongoeco_patch.apply()
    from mongoeco.core.codec import DocumentCodec

    from deploy.local.mongoeco_patch import codec_parameters

    asked: list[object] = []
    real = inspect.signature

    def counting(function: Any, *args: Any, **kwargs: Any) -> inspect.Signature:
        asked.append(function)
        return real(function, *args, **kwargs)

    codec_parameters._takes_preserve.cache_clear()
    monkeypatch.setattr(inspect, "signature", counting)

    class Engine:
        _codec = DocumentCodec

    engine: Any = Engine()
    decode = codec_parameters._asking_once(lambda *a, **k: None)
    tagged = DocumentCodec.encode({"at": AT, "amount": Decimal128("9.99")})
    for _ in range(3):
        decoded = decode(engine, tagged, preserve_bson_wrappers=True)
        assert decoded == DocumentCodec.decode(tagged, preserve_bson_wrappers=True)
    assert len(asked) == 1


@pytest.mark.unit
def test_a_decoder_without_the_parameter_is_called_without_it() -> None:
    assert mongoeco_patch.apply()
    from deploy.local.mongoeco_patch import codec_parameters

    calls: list[tuple[object, dict[str, object]]] = []

    class Codec:
        @staticmethod
        def decode(payload: object) -> object:
            calls.append((payload, {}))
            return payload

    class Engine:
        _codec = Codec

    decode = codec_parameters._asking_once(lambda *a, **k: None)
    assert decode(Engine(), {"a": 1}, preserve_bson_wrappers=True) == {"a": 1}
    assert calls == [({"a": 1}, {})]


@pytest.mark.integration
async def test_many_clients_at_once_get_every_answer(
    collection: AsyncCollection[Doc], patched: tuple[MongoServer, str]
) -> None:
    """Writers, readers and cursors over several batches, from many connections at once: each
    gets its own answers (the calls no longer overlap on a worker, and none is lost)."""
    db, name = collection.database.name, collection.name
    clients: list[AsyncMongoClient[Doc]] = [AsyncMongoClient(patched[0].url) for _ in range(6)]
    try:
        await collection.insert_many(
            [
                {"_id": f"seed-{i}", "n": i, "at": AT, "amount": Decimal128("1.10")}
                for i in range(250)
            ]
        )

        async def writer(client: AsyncMongoClient[Doc], k: int) -> None:
            docs = client[db][name]
            for i in range(20):
                await docs.insert_one({"_id": f"w{k}-{i}", "n": i, "version": 1})
                await docs.update_one(
                    {"_id": f"w{k}-{i}", "version": 1},
                    [{"$set": {"version": {"$add": ["$version", 1]}, "at": AT}}],
                )

        async def reader(client: AsyncMongoClient[Doc]) -> int:
            docs = client[db][name]
            seen = 0
            for _ in range(3):
                seen = len(
                    [d async for d in docs.find({"_id": {"$regex": "^seed-"}}, batch_size=40)]
                )
            return seen

        results = await asyncio.gather(
            *(writer(c, k) for k, c in enumerate(clients[:3])),
            *(reader(c) for c in clients[3:]),
        )
        assert results[3:] == [250, 250, 250]
        written = [d async for d in collection.find({"_id": {"$regex": "^w"}})]
        assert len(written) == 60
        assert {d["version"] for d in written} == {2}
        seed = await collection.find_one({"_id": "seed-7"})
        assert seed is not None
        assert (seed["at"], seed["amount"]) == (AT, Decimal128("1.10"))
    finally:
        for client in clients:
            await client.close()


@pytest.mark.integration
async def test_a_write_naming_an_id_among_other_conditions_changes_exactly_that_document(
    collection: AsyncCollection[Doc],
) -> None:
    """Conditional saves, outbox claims and deletes: by key, then the whole filter
    (``mongoeco_patch.id_lookup``); the outcome is the one the filter gives on any server."""
    await collection.insert_many(
        [
            {"_id": "SO-1", "version": 3, "outbox_pending": True, "lease": {"until": AT}},
            {"_id": "SO-2", "version": 1, "amount": Decimal128("2.50"), "tags": ["a", "b"]},
            {"_id": 7, "version": 1},
        ]
    )

    async def bumped(where: Doc) -> int:
        result = await collection.update_one(
            where, [{"$set": {"version": {"$add": ["$version", 1]}}}]
        )
        return result.modified_count

    assert await bumped({"_id": "SO-1", "version": 2}) == 0  # a stale version
    assert await bumped({"_id": "SO-1", "version": 3}) == 1
    assert await bumped({"_id": "SO-9", "version": 1}) == 0  # no such document
    assert await bumped({"_id": 7, "version": 1}) == 1  # a number as the id
    assert await bumped({"_id": "7", "version": 2}) == 0  # its text is another id
    later = datetime(2026, 12, 7, 2, 0)  # noqa: DTZ001
    claim = {"_id": "SO-1", "outbox_pending": True}
    assert await bumped({**claim, "$or": [{"lease": None}, {"lease.until": {"$lt": AT}}]}) == 0
    assert await bumped({**claim, "$or": [{"lease": None}, {"lease.until": {"$lt": later}}]}) == 1
    assert await bumped({"_id": "SO-2", "amount": {"$gte": Decimal128("2.5")}}) == 1
    assert await bumped({"_id": "SO-2", "tags": "b", "missing": {"$exists": False}}) == 1
    assert await bumped({"_id": "SO-2", "tags": {"$in": ["c"]}}) == 0
    assert await bumped({"_id": "SO-2", "$expr": {"$eq": ["$version", 3]}}) == 1  # as released
    found = await collection.find_one_and_update(
        {"_id": "SO-2", "version": {"$ne": 1}}, {"$set": {"seen": True}}, return_document=True
    )
    assert found is not None
    assert (found["version"], found["seen"]) == (4, True)
    assert (await collection.delete_one({"_id": "SO-1", "version": 4})).deleted_count == 0
    assert (await collection.delete_one({"_id": "SO-1", "version": 5})).deleted_count == 1
    versions = {doc["_id"]: doc["version"] async for doc in collection.find()}
    assert versions == {"SO-2": 4, 7: 2}


@pytest.mark.integration
async def test_documents_holding_decimals_have_a_bson_size_and_statistics(
    collection: AsyncCollection[Doc], patched: tuple[MongoServer, str]
) -> None:
    """``$bsonSize`` of a document with decimals is the size ``bson.encode`` gives it, and the
    commands built on it (listing databases, statistics) answer (``mongoeco_patch.bson_sizes``)."""
    doc = {
        "_id": "SO-1",
        "total": Decimal128("19.99"),
        "lines": [{"sku": "A", "price": Decimal128("9.995"), "weight": 1.5}],
        "at": AT,
        "min": MinKey(),
    }
    await collection.insert_one(doc)
    [sized] = [
        d
        async for d in await collection.aggregate([{"$project": {"size": {"$bsonSize": "$$ROOT"}}}])
    ]
    assert sized["size"] == len(bson.encode(doc))
    db = collection.database
    assert db.name in await db.client.list_database_names()
    stats = await db.command("dbStats")
    assert stats["objects"] >= 1
    assert stats["dataSize"] > 0
    assert (await db.command("collStats", collection.name))["count"] == 1


@pytest.mark.integration
async def test_the_server_answers_while_a_large_batch_is_stored(
    collection: AsyncCollection[Doc],
    patched: tuple[MongoServer, str],
    request: pytest.FixtureRequest,
) -> None:
    """While a bulk insert of thousands of documents is stored (one engine call per document,
    each followed by the event loop's turn), the server answers other connections (a driver's
    heartbeat above all), and their writes apply. (The memory engine runs every call on the
    server's thread, as released.)

    Shown by rounds, not by a clock: another connection's ping and update complete again and
    again while the batch is still being stored (over a hundred here). A server that held
    them until the batch was stored would let at most one round end before the batch did,
    however fast or busy the machine. (A bound of 2 s on the slowest round failed once on a
    busy machine at 2.3 s.)"""
    if request.node.callspec.params["patched"] != "sqlite":
        pytest.skip("the memory engine has no worker")
    other: AsyncMongoClient[Doc] = AsyncMongoClient(patched[0].url)
    try:
        lines = [{"sku": f"S{k}", "quantity": Decimal128("2"), "at": AT} for k in range(20)]
        batch = [{"_id": f"B-{i}", "lines": lines} for i in range(3000)]
        stored = asyncio.create_task(collection.insert_many(batch, ordered=False))
        during = 0
        while not stored.done():
            await other.admin.command("ping")
            await other[collection.database.name][collection.name].update_one(
                {"_id": "beside"}, {"$inc": {"n": 1}}, upsert=True
            )
            during += 0 if stored.done() else 1
            await asyncio.sleep(0.02)
        await stored
        assert during >= 5, during
        beside = await collection.find_one({"_id": "beside"})
        assert beside is not None
        assert beside["n"] >= during
        assert await collection.count_documents({"_id": {"$regex": "^B-"}}) == 3000
    finally:
        await other.close()
