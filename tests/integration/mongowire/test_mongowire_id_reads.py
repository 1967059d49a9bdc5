"""Reads naming documents by ``_id`` (``mongoeco_patch.id_reads``): by key on the SQLite
engine, and with the answers any server gives, on both engines."""

from __future__ import annotations

import re
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
