"""Reads naming documents by ``_id`` (``mongoeco_patch.id_reads``): by key on the SQLite
engine, and with the answers any server gives, on both engines."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, Any]
OID = ObjectId("65a1b2c3d4e5f60718293a4b")


@pytest.fixture
async def stored(collection: AsyncCollection[Doc]) -> AsyncCollection[Doc]:
    await collection.insert_many(
        [
            {"_id": "A", "version": 1, "kind": "sales", "lines": [1, 2]},
            {"_id": "B", "version": 2, "kind": "purchase"},
            {"_id": "C", "version": 3, "kind": "sales"},
            {"_id": 7, "version": 1, "kind": "sales"},
            {"_id": OID, "version": 5, "kind": "sales"},
        ]
    )
    return collection


async def _ids(collection: AsyncCollection[Doc], where: Doc, **options: Any) -> list[Any]:
    found = [str(doc["_id"]) async for doc in collection.find(where, **options)]
    return sorted(found)


async def test_ids_named_by_value_or_list_find_exactly_those_documents(
    stored: AsyncCollection[Doc],
) -> None:
    assert await _ids(stored, {"_id": "B"}) == ["B"]
    assert await _ids(stored, {"_id": "Z"}) == []
    assert await _ids(stored, {"_id": {"$in": ["A", "C", "Z", "A"]}}) == ["A", "C"]
    assert await _ids(stored, {"_id": {"$in": []}}) == []
    assert await _ids(stored, {"_id": {"$in": [7, "7"]}}) == ["7"]  # the number, once
    assert await _ids(stored, {"_id": {"$in": ["7"]}}) == []  # its text is another id
    assert await _ids(stored, {"_id": {"$in": [OID, "B"]}}) == [str(OID), "B"]


async def test_the_other_conditions_still_hold(stored: AsyncCollection[Doc]) -> None:
    every = ["A", "B", "C", 7, OID]
    sales = await _ids(stored, {"_id": {"$in": every}, "kind": "sales"})
    assert sales == sorted(["7", "A", "C", str(OID)])
    later = await _ids(stored, {"_id": {"$in": every}, "version": {"$gte": 2}})
    assert later == sorted(["B", "C", str(OID)])
    assert await _ids(stored, {"_id": "A", "lines": 2, "gone": {"$exists": False}}) == ["A"]
    assert await _ids(stored, {"_id": "A", "$or": [{"version": 9}, {"kind": "x"}]}) == []
    assert await _ids(stored, {"$and": [{"_id": {"$in": ["A", "B"]}}, {"version": 2}]}) == ["B"]


async def test_projection_and_limit_apply(stored: AsyncCollection[Doc]) -> None:
    docs = [doc async for doc in stored.find({"_id": {"$in": ["A", "B"]}}, {"version": 1})]
    assert sorted(docs, key=lambda doc: doc["_id"]) == [
        {"_id": "A", "version": 1},
        {"_id": "B", "version": 2},
    ]
    assert len(await _ids(stored, {"_id": {"$in": ["A", "B", "C"]}}, limit=2)) == 2
    assert await _ids(stored, {"_id": {"$in": ["A", "B", "C"]}}, sort=[("_id", -1)], limit=1) == [
        "C"
    ]
    assert await _ids(stored, {"_id": {"$in": ["A", "B", "C"]}}, skip=2, sort=[("_id", 1)]) == ["C"]


async def test_what_in_treats_otherwise_is_read_as_released(
    stored: AsyncCollection[Doc],
) -> None:
    assert await _ids(stored, {"_id": {"$in": [re.compile("^[AB]$")]}}) == ["A", "B"]
    assert await _ids(stored, {"_id": {"$in": [None, "C"]}}) == ["C"]
    assert await _ids(stored, {"_id": {"$nin": ["A", "B", "C"]}}) == sorted(["7", str(OID)])


async def test_a_text_id_that_is_not_stored_finds_nothing_and_an_upsert_makes_it_once(
    stored: AsyncCollection[Doc],
) -> None:
    """``mongoeco_patch.id_lookup``: a ``str`` ``_id`` missing from its key is missing."""
    assert await stored.find_one({"_id": "Z"}) is None
    assert await _ids(stored, {"_id": {"$in": ["Z", "Y"]}}) == []
    missed = await stored.update_one({"_id": "Z", "version": 1}, {"$set": {"kind": "x"}})
    assert missed.matched_count == 0
    assert (await stored.delete_one({"_id": "Z"})).deleted_count == 0
    for _ in range(2):
        await stored.update_one({"_id": "Z"}, {"$inc": {"version": 1}}, upsert=True)
    assert await stored.find_one({"_id": "Z"}) == {"_id": "Z", "version": 2}
    assert await stored.count_documents({}) == 6
    # The others as before: a number's key is not its text, and equal numbers are one id.
    assert await stored.find_one({"_id": "7"}) is None
    assert (await stored.update_one({"_id": 7.0}, {"$set": {"kind": "y"}})).matched_count == 1
    assert await _ids(stored, {"_id": 7.0}) == ["7"]
    assert await stored.find_one({"_id": 8}) is None
    assert await _ids(stored, {"_id": {"$in": [8, 9.0]}}) == []
    assert (await stored.find_one({"_id": OID}) or {}).get("version") == 5


@pytest.fixture
async def in_process(tmp_path: Path) -> AsyncIterator[tuple[Any, list[str]]]:
    """A collection of an in-process client on a corrected SQLite engine, and the SQL each
    selection of documents by plan compiled (mongoeco's path after a lookup by key)."""
    from deploy.local import mongoeco_patch

    assert mongoeco_patch.apply()
    from mongoeco import AsyncMongoClient as LocalClient
    from mongoeco.engines.sqlite import SQLiteEngine

    engine = SQLiteEngine(str(tmp_path / "data.sqlite3"))
    compiled: list[str] = []
    compile_plan = engine._compile_read_execution_plan

    def recording(*args: Any, **kwargs: Any) -> Any:
        plan = compile_plan(*args, **kwargs)
        compiled.append(plan.sql or plan.fallback_reason or "")
        return plan

    engine._compile_read_execution_plan = recording  # type: ignore[method-assign]
    async with LocalClient(engine) as client:
        yield client["db"]["docs"], compiled


async def test_a_missing_text_id_is_not_looked_for_in_every_document(
    in_process: tuple[Any, list[str]],
) -> None:
    docs, compiled = in_process
    await docs.insert_many([{"_id": f"SO-{i}", "version": 1} for i in range(50)])
    compiled.clear()
    assert await docs.find_one({"_id": "SO-missing"}) is None
    assert (
        await docs.update_one({"_id": "SO-x", "version": 1}, {"$set": {"a": 1}})
    ).matched_count == 0
    await docs.update_one({"_id": "SO-new"}, {"$set": {"version": 1}}, upsert=True)
    assert await docs.find_one({"_id": "SO-new"}) == {"_id": "SO-new", "version": 1}
    assert compiled == []
    # A number is still looked for as released (an equal number may be stored under its own key).
    assert await docs.find_one({"_id": 1}) is None
    assert compiled
