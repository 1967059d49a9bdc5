"""The planner's kept answers are re-checked on each written document in Python
(``mongoeco_patch.feature_cache``), by the rule of the SQL predicate mongoeco's scan uses:
the same verdict as SQLite's own ``json_type`` / ``json_extract`` on every shape, and the
queries still find what a write adds at a nested or indexed field."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest
from bson import Decimal128
from pymongo.asynchronous.collection import AsyncCollection

from deploy.local.mongoeco_patch.feature_cache import _Checks

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, object]

MARKER, TYPE = "$mongoeco", "type"
DECIMAL = {MARKER: {TYPE: "decimal128", "value": "1.5"}}
DOCUMENTS: list[object] = [
    {"x": DECIMAL, "tags": ["a"], "lines": [{"price": DECIMAL}, {"price": 2}]},
    {"x": 1, "tags": "a", "lines": {"0": {"price": DECIMAL}}},
    {"x": {MARKER: {TYPE: 7}}, "tags": [], "lines": [[DECIMAL]]},
    {"x": {MARKER: "decimal128"}, "tags": {"0": ["a"]}, "lines": []},
    {"x": [DECIMAL], "tags": None, "lines": [{"price": [DECIMAL]}]},
    {"nested": {"deep": {"x": DECIMAL, "list": [1, [2]]}}},
]
FIELDS = [
    *("x", "tags", "tags.0", "lines", "lines.0", "lines.0.price", "lines.1.price", "lines.0.0"),
    *("nested.deep.x", "nested.deep.list", "nested.deep.list.1", "missing.x"),
]


@pytest.mark.parametrize("field", FIELDS)
def test_the_python_check_agrees_with_sqlite_on_every_shape(field: str) -> None:
    from mongoeco.engines.sqlite_query import json_path_for_field as _path

    checks = _Checks(MARKER, TYPE)
    kinds = {
        f"top_level_array:{field}": ("json_type(?, ?) = 'array'", _path(field), None),
        f"tagged_type:{field}:decimal128": (
            "json_extract(?, ?) = ?",
            f'{_path(field)}."{MARKER}".{TYPE}',
            "decimal128",
        ),
    }
    with closing(sqlite3.connect(":memory:")) as conn:
        for document in DOCUMENTS:
            text = json.dumps(document)
            for kind, (predicate, path, value) in kinds.items():
                params = (text, path) if value is None else (text, path, value)
                (expected,) = conn.execute(f"SELECT {predicate}", params).fetchone()
                assert checks.holds(json.loads(text), kind) is bool(expected), (kind, document)


async def _ids(docs: AsyncCollection[Doc], query: Doc) -> list[str]:
    return sorted(str(doc["_id"]) for doc in await docs.find(query, {"_id": 1}).to_list())


async def test_a_decimal_written_at_an_indexed_field_is_still_compared(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.insert_one({"_id": "old", "lines": [{"price": 1}]})
    assert await _ids(collection, {"lines.0.price": {"$gt": 1}}) == []  # learnt: no decimal

    await collection.insert_one({"_id": "new", "lines": [{"price": Decimal128("1.5")}]})
    await collection.update_one({"_id": "old"}, {"$set": {"lines.0.price": Decimal128("3")}})

    assert await _ids(collection, {"lines.0.price": {"$gt": 1}}) == ["new", "old"]
    assert await _ids(collection, {"lines.0.price": {"$gt": 1.4, "$lt": 1.6}}) == ["new"]


async def test_an_array_written_at_a_nested_field_is_still_matched_by_element(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.insert_one({"_id": "old", "a": {"b": "x"}})
    assert await _ids(collection, {"a.b": "y"}) == []  # learnt: no array at a.b

    await collection.update_one({"_id": "old"}, {"$set": {"a.b": ["x", "y"]}})

    assert await _ids(collection, {"a.b": "y"}) == ["old"]
