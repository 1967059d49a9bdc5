"""A ``$unionWith`` whose pipeline begins with ``$match`` loads only documents that can match
(``mongoeco_patch.union_scan``), and answers as a load of the whole collection would: the same
documents, in the same order; pipelines that name a collection otherwise load it whole."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from deploy.local.mongoeco_patch.union_scan import union_filters

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, object]

MARKED = {"pending": True}


async def _stored(collection: AsyncCollection[Doc]) -> AsyncCollection[Doc]:
    """A second collection of 200 documents, every tenth marked, written out of key order."""
    other = collection.database["other"]
    await other.create_index("pending", sparse=True)
    keys = [f"k{(i * 37) % 200:03d}" for i in range(200)]
    await other.insert_many([{"_id": key, "n": i} for i, key in enumerate(keys)])
    for key in keys[::10]:
        await other.update_one({"_id": key}, {"$set": MARKED})
    await collection.insert_one({"_id": "head", "n": -1})
    return other


async def _union(collection: AsyncCollection[Doc], *stages: Any) -> list[Any]:
    pipeline = [{"$match": {"n": {"$lt": -5}}}, *stages]  # nothing of the head itself
    return [doc["_id"] async for doc in await collection.aggregate(pipeline)]


async def test_a_leading_match_answers_as_over_the_whole_collection(
    collection: AsyncCollection[Doc],
) -> None:
    other = await _stored(collection)
    whole = [doc async for doc in other.find({})]

    found = await _union(
        collection,
        {
            "$unionWith": {
                "coll": "other",
                "pipeline": [{"$match": MARKED}, {"$project": {"_id": 1}}],
            }
        },
    )

    assert found == [doc["_id"] for doc in whole if doc.get("pending")]
    assert len(found) == 20


async def test_a_limit_after_the_match_takes_the_first_of_the_whole_collection_s_order(
    collection: AsyncCollection[Doc],
) -> None:
    other = await _stored(collection)
    marked = [doc["_id"] async for doc in other.find({}) if doc.get("pending")]

    found = await _union(
        collection,
        {"$unionWith": {"coll": "other", "pipeline": [{"$match": MARKED}, {"$limit": 1}]}},
    )

    assert found == marked[:1]


async def test_a_collection_named_twice_is_loaded_whole_for_each(
    collection: AsyncCollection[Doc],
) -> None:
    await _stored(collection)

    found = await _union(
        collection,
        {"$unionWith": {"coll": "other", "pipeline": [{"$match": MARKED}]}},
        {"$unionWith": {"coll": "other", "pipeline": [{"$match": {"n": {"$lt": 3}}}]}},
        {"$unionWith": {"coll": "other", "pipeline": [{"$sort": {"n": -1}}, {"$limit": 2}]}},
    )

    assert len(found) == 20 + 3 + 2


def test_only_a_collection_read_by_one_leading_match_alone_is_narrowed() -> None:
    def union(coll: str, *stages: Any) -> dict[str, Any]:
        return {"$unionWith": {"coll": coll, "pipeline": list(stages)}}

    match = {"$match": MARKED}
    lookup = {"$lookup": {"from": "c", "localField": "a", "foreignField": "b", "as": "x"}}
    assert union_filters([match, union("a", match), union("b", match)], "head") == {
        "a": MARKED,
        "b": MARKED,
    }
    assert union_filters([union("a", match), union("a", match)], "head") == {}
    assert union_filters([union("a", {"$limit": 1}, match)], "head") == {}
    assert union_filters([union("head", match)], "head") == {}
    assert union_filters([union("a", match, lookup), union("c", match)], "head") == {}
    assert union_filters([union("a", match), lookup], "head") == {"a": MARKED}
    assert union_filters([{"$unionWith": "a"}, union("a", match)], "head") == {}
    either = {"$match": {"pending": True, "$or": [{"lease": None}, {"lease.until": {"$lt": 5}}]}}
    assert union_filters([union("a", either)], "head") == {"a": MARKED}
    assert union_filters([union("a", {"$match": {"$or": [{"x": 1}, {"y": 2}]}})], "head") == {}
    assert union_filters([union("a", {"$match": {"n": {"$lt": 3}}})], "head") == {}
