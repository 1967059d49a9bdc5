"""The development launcher's mongoeco correction keeps ``_id`` unique (mongoeco_patch).

Each engine runs in its own launcher process, started the way the tests start theirs, and is
spoken to over the wire with PyMongo, as the services do.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tests.support.servers import MongoServer, launch_mongowire

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, object]


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def patched(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[MongoServer, str]]:
    folder = tmp_path_factory.mktemp(f"mongowire-{request.param}")
    args = ["--engine", request.param]
    if request.param == "sqlite":
        args += ["--path", str(folder / "data.sqlite3")]
    log = folder / "stderr.log"
    with ExitStack() as stack, log.open("w") as stderr:
        server = launch_mongowire(stack, *args, stderr=stderr)
        yield server, log.read_text()


@pytest.fixture
async def collection(patched: tuple[MongoServer, str]) -> AsyncIterator[AsyncCollection[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(patched[0].url)
    yield client[f"patch_{uuid.uuid4().hex[:8]}"]["docs"]
    await client.close()


def test_the_launcher_applied_the_correction(patched: tuple[MongoServer, str]) -> None:
    assert "mongoeco_patch_applied version=4.11.0" in patched[1]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("A", "A"),
        (7, 7),
        (1, 1.0),
        (1.0, 1),
        ({"order": "SO-1", "line": 1}, {"order": "SO-1", "line": 1}),
        ({"order": "SO-1", "line": 1}, {"order": "SO-1", "line": 1.0}),
    ],
)
async def test_a_duplicate_id_is_refused(
    collection: AsyncCollection[Doc], first: object, second: object
) -> None:
    await collection.insert_one({"_id": first, "n": 1})
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"_id": second, "n": 2})
    assert await collection.count_documents({}) == 1


async def test_different_ids_are_accepted(collection: AsyncCollection[Doc]) -> None:
    for value in ("A", "a", 1, "1", {"order": "SO-1", "line": 1}, {"order": "SO-1", "line": 2}):
        await collection.insert_one({"_id": value})
    assert await collection.count_documents({}) == 6


async def test_a_duplicate_in_a_batch_is_refused(collection: AsyncCollection[Doc]) -> None:
    await collection.insert_one({"_id": "A"})
    with pytest.raises(BulkWriteError):
        await collection.insert_many([{"_id": "B"}, {"_id": "A"}])
    assert sorted(str(d["_id"]) for d in await collection.find().to_list()) == ["A", "B"]


@pytest.mark.parametrize("key", ["ORDER-1", 42, {"sku": "BOLT", "location": "WH-1"}])
async def test_upserting_twice_with_one_filter_keeps_one_document(
    collection: AsyncCollection[Doc], key: object
) -> None:
    for n in (1, 2):
        await collection.update_one({"_id": key}, {"$set": {"n": n}}, upsert=True)
    await collection.find_one_and_update({"_id": key}, {"$inc": {"n": 1}}, upsert=True)
    assert await collection.find({}, {"_id": 0}).to_list() == [{"n": 3}]


async def test_inserts_into_a_collection_of_3000_documents(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.insert_many([{"_id": f"D-{i}", "i": i} for i in range(3000)])
    await collection.insert_one({"_id": "D-3000", "i": 3000})
    await collection.update_one({"_id": "D-3001"}, {"$set": {"i": 3001}}, upsert=True)
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"_id": "D-1500"})
    assert await collection.count_documents({}) == 3002
