"""The single-field indexes share one SQLite index for their entries
(``mongoeco_patch.scalar_indexes``): every index still answers, across creations, drops of an
index, a collection or a database, and a file written unpatched is converted when opened (and
still read by mongoeco as released)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager, closing
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from deploy.local.mongoeco_patch.scalar_indexes import SHARED
from tests.support.servers import launch_mongowire

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, object]


@asynccontextmanager
async def _server(path: Path, *args: str) -> AsyncIterator[AsyncMongoClient[Doc]]:
    """A client of the launcher on the SQLite file ``path`` (``args``: e.g. ``--unpatched``)."""
    with ExitStack() as stack:
        server = launch_mongowire(stack, "--engine", "sqlite", "--path", str(path), *args)
        client: AsyncMongoClient[Doc] = AsyncMongoClient(server.url)
        try:
            yield client
        finally:
            await client.close()


def _physical(path: Path) -> tuple[list[str], set[str]]:
    """The SQLite indexes on the scalar entries, and the names the ``indexes`` rows give."""
    with closing(sqlite3.connect(path)) as connection:
        physical = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = 'scalar_index_entries' AND name LIKE 'scidx%' ORDER BY name"
        ).fetchall()
        named = connection.execute(
            "SELECT DISTINCT scalar_physical_name FROM indexes"
            " WHERE scalar_physical_name IS NOT NULL"
        ).fetchall()
    return [name for (name,) in physical], {name for (name,) in named}


async def _stock(docs: AsyncCollection[Doc]) -> None:
    await docs.create_index("sku", unique=True)
    await docs.create_index("bin")
    await docs.create_index("level")
    await docs.insert_many(
        [{"_id": i, "sku": f"S{i}", "bin": f"B{i % 3}", "level": i} for i in range(12)]
    )


async def _answers(docs: AsyncCollection[Doc]) -> None:
    """Each single-field index finds, ranges, sorts and refuses as it should."""
    assert await docs.find_one({"sku": "S5"}, {"_id": 1}) == {"_id": 5}
    hinted = docs.find({"sku": "S7"}, {"_id": 1}).hint("sku_1")
    assert await hinted.to_list() == [{"_id": 7}]
    in_bin = docs.find({"bin": "B1"}, {"_id": 1}).hint("bin_1")
    assert sorted(doc["_id"] for doc in await in_bin.to_list()) == [1, 4, 7, 10]  # type: ignore[type-var]
    low = docs.find({"level": {"$gte": 3, "$lt": 6}}, {"_id": 1}).sort("level", -1)
    assert [doc["_id"] for doc in await low.to_list()] == [5, 4, 3]
    with pytest.raises(DuplicateKeyError):
        await docs.insert_one({"_id": 100, "sku": "S3"})


async def test_every_single_field_index_answers_through_one_shared_sqlite_index(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data.sqlite3"
    async with _server(path) as client:
        await _stock(client["one"]["stock"])
        await _stock(client["two"]["stock"])
        await client["two"]["orders"].create_index("status")
        await client["two"]["orders"].insert_one({"_id": 1, "status": "open"})

        assert _physical(path) == ([SHARED], {SHARED})
        await _answers(client["one"]["stock"])
        await _answers(client["two"]["stock"])
        await client["one"]["stock"].update_one({"_id": 5}, {"$set": {"sku": "S5b"}})
        assert await client["one"]["stock"].find_one({"sku": "S5"}) is None
        assert await client["one"]["stock"].find_one({"sku": "S5b"}, {"_id": 1}) == {"_id": 5}
        assert await client["two"]["stock"].find_one({"sku": "S5"}, {"_id": 1}) == {"_id": 5}


async def test_drops_of_an_index_a_collection_and_a_database_leave_the_others_answering(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data.sqlite3"
    async with _server(path) as client:
        kept, other = client["kept"]["stock"], client["gone"]["stock"]
        await _stock(kept)
        await _stock(other)
        await _stock(client["gone"]["more"])

        await other.drop_index("bin_1")
        await _answers(kept)
        await client["gone"]["more"].drop()
        await _answers(kept)
        await client.drop_database("gone")
        await _answers(kept)
        assert _physical(path) == ([SHARED], {SHARED})

        await _stock(other)  # the dropped ones again, as new
        await _answers(other)


async def test_a_file_written_unpatched_is_converted_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "data.sqlite3"
    async with _server(path, "--unpatched") as client:
        await _stock(client["db"]["stock"])
    copies, named = _physical(path)
    assert len(copies) == 3  # one copy per index, as released
    assert named == set(copies)

    async with _server(path) as client:
        await _answers(client["db"]["stock"])
    assert _physical(path) == ([SHARED], {SHARED})

    async with _server(path, "--unpatched") as client:  # as released, it reads the converted file
        stock = client["db"]["stock"]
        # Unhinted: as released, a hint names the documents' index, which namespace_indexes
        # made partial.
        assert await stock.find_one({"sku": "S5"}, {"_id": 1}) == {"_id": 5}
        assert await stock.count_documents({"bin": "B1"}) == 4
        with pytest.raises(DuplicateKeyError):
            await stock.insert_one({"_id": 100, "sku": "S3"})
