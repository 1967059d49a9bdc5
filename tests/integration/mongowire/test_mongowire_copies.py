"""Documents are copied as plain trees (``mongoeco_patch.plain_copies``), unwatched changes
are recorded as gaps without their documents (``mongoeco_patch.gap_changes``) and the
planner's answers know each collection's keys (``mongoeco_patch.feature_cache``): every answer
stays the one mongoeco gives as released."""

from __future__ import annotations

import copy
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bson import Decimal128, Int64
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure

from deploy.local import mongoeco_patch

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, Any]

AT = datetime(2026, 12, 6, 21, 0)  # noqa: DTZ001 - PyMongo reads dates back naive, in UTC


def _order() -> Doc:
    """A document shaped like the services' own: lines, history, an outbox of entries."""
    return {
        "_id": "SO-1",
        "version": 1,
        "lines": [{"sku": "A", "quantity": Decimal128("2"), "unit_price": Decimal128("9.99")}],
        "history": [{"status": "created", "at": AT}],
        "outbox": [{"message_id": "m1", "created_at": AT, "packed": b"\x01\x02"}],
        "count": Int64(2**40),
    }


def _plain() -> Any:
    from deploy.local.mongoeco_patch.plain_copies import plain_deepcopy

    assert mongoeco_patch.apply()
    return plain_deepcopy


def test_a_plain_copy_is_equal_and_shares_nothing_mutable() -> None:
    plain_deepcopy = _plain()
    from mongoeco._types._bson_values import Decimal128 as EcoDecimal128
    from mongoeco.core.bson_scalars import BsonDecimal128

    original: Any = {
        "lines": [{"price": BsonDecimal128(Decimal("9.99")), "tags": ["a"]}],
        "cost": EcoDecimal128("1.5"),
        "at": AT,
        "empty": {},
        "pair": (1, [2]),
    }
    copied = plain_deepcopy(original)

    assert copied == original == copy.deepcopy(original)
    assert copied["lines"] is not original["lines"]
    assert copied["lines"][0] is not original["lines"][0]
    assert copied["lines"][0]["tags"] is not original["lines"][0]["tags"]
    assert copied["empty"] is not original["empty"]
    assert copied["pair"][1] is not original["pair"][1]  # a tuple goes to copy.deepcopy
    assert copied["lines"][0]["price"] is original["lines"][0]["price"]  # immutable: kept
    assert copied["cost"] is original["cost"]
    copied["lines"][0]["tags"].append("b")
    assert original["lines"][0]["tags"] == ["a"]


def test_a_subclass_or_a_memo_is_copied_as_released() -> None:
    plain_deepcopy = _plain()
    ordered = OrderedDict(b=[1], a=[2])
    memo: dict[int, Any] = {}
    shared = [1]

    copied = plain_deepcopy(ordered)
    kept = plain_deepcopy({"x": shared, "y": shared}, memo)

    assert type(copied) is OrderedDict
    assert copied == ordered
    assert copied["b"] is not ordered["b"]
    assert kept["x"] is kept["y"]  # with a memo, copy.deepcopy keeps the sharing


def test_every_mongoeco_copy_of_a_document_is_plain() -> None:
    plain_deepcopy = _plain()
    from mongoeco.core import operators
    from mongoeco.engines import _sqlite_modify_ops, sqlite

    for module in (_sqlite_modify_ops, sqlite, operators):
        assert module.deepcopy is plain_deepcopy


async def test_updates_keep_every_value_and_type(collection: AsyncCollection[Doc]) -> None:
    await collection.insert_one(_order())
    pipeline: list[Doc] = [
        {
            "$set": {
                "version": {"$add": ["$version", 1]},
                "history": {"$concatArrays": ["$history", [{"status": "approved", "at": AT}]]},
                "outbox": {"$filter": {"input": "$outbox", "cond": False}},
            }
        },
        {"$set": {"pending": {"$cond": [{"$gt": [{"$size": "$outbox"}, 0]}, True, "$$REMOVE"]}}},
    ]

    before = await collection.find_one_and_update({"_id": "SO-1", "version": 1}, pipeline)
    await collection.update_one({"_id": "SO-1"}, {"$push": {"lines": {"sku": "B"}}})
    after = await collection.find_one_and_update(
        {"_id": "SO-1"}, {"$inc": {"count": 1}}, return_document=ReturnDocument.AFTER
    )

    assert before == _order()
    expected = _order()
    expected.update(
        version=2,
        history=[*expected["history"], {"status": "approved", "at": AT}],
        outbox=[],
        lines=[*expected["lines"], {"sku": "B"}],
        count=Int64(2**40 + 1),
    )
    assert after == expected
    assert await collection.find_one({"_id": "SO-1"}) == expected
    stored = await collection.find_one({"_id": "SO-1"})
    assert stored is not None
    assert isinstance(stored["lines"][0]["quantity"], Decimal128)
    assert isinstance(stored["count"], Int64)


@pytest.fixture
async def on_sqlite(tmp_path: Path) -> AsyncIterator[tuple[Any, Path]]:
    """A collection of an in-process mongoeco client on a corrected SQLite engine, and the
    engine's file (to read its change outbox)."""
    assert mongoeco_patch.apply()
    from mongoeco import AsyncMongoClient as LocalClient
    from mongoeco.engines.sqlite import SQLiteEngine

    path = tmp_path / "data.sqlite3"
    async with LocalClient(SQLiteEngine(str(path))) as client:
        yield client["db"]["docs"], path


def _change_rows(path: Path) -> list[tuple[str, Any]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT kind, payload FROM change_outbox ORDER BY sequence").fetchall()


async def test_unwatched_changes_are_gaps_and_watched_ones_carry_their_document(
    on_sqlite: tuple[Any, Path],
) -> None:
    docs, path = on_sqlite
    await docs.insert_one(_order())
    await docs.update_one({"_id": "SO-1"}, {"$set": {"version": 2}})
    gaps = _change_rows(path)

    stream = docs.watch(full_document="updateLookup", max_await_time_ms=1000)
    await docs.update_one({"_id": "SO-1"}, {"$set": {"version": 3}})
    event = await stream.try_next()
    stream.close()

    assert [kind for kind, _ in gaps] == ["gap", "gap"]
    assert [payload for _, payload in gaps] == [None, None]
    assert event["operationType"] == "update"
    assert event["fullDocument"] == {**_order(), "version": 3}
    assert docs.change_stream_state()["nextToken"] == 4


def test_the_answers_know_each_collection_s_keys_through_every_change() -> None:
    from deploy.local.mongoeco_patch.feature_cache import _ByCollection

    answers = _ByCollection({("db", "a", "q1"): False, ("db", "b", "q1"): True})
    answers[("db", "a", "q2")] = True
    answers.update({("db", "c", "q1"): "number"})
    answers.setdefault(("db", "a", "q3"), False)
    answers.pop(("db", "a", "q1"))
    answers.pop(("db", "a", "missing"), None)
    del answers[("db", "b", "q1")]

    assert sorted(answers.keys_of("db", "a")) == [("db", "a", "q2"), ("db", "a", "q3")]
    assert answers.keys_of("db", "b") == []
    assert answers.keys_of("db", "c") == [("db", "c", "q1")]
    for db, coll, _ in list(answers):
        assert all(key[:2] == (db, coll) for key in answers.keys_of(db, coll))
    answers.popitem()
    assert sum(len(answers.keys_of("db", c)) for c in "abc") == len(answers)
    answers.clear()
    assert answers.keys_of("db", "a") == []


async def test_an_integer_out_of_range_is_refused_at_any_depth(on_sqlite: tuple[Any, Path]) -> None:
    docs, _ = on_sqlite
    fine = {"_id": "fine", "n": 2**63 - 1, "m": -(2**63), "f": 1.5, "s": "x", "b": True, "at": AT}

    with pytest.raises(OverflowError, match="int64 range"):
        await docs.insert_one({"_id": "big", "ok": {"deeper": [1, 2**63]}})
    await docs.insert_one(fine)
    with pytest.raises(OverflowError, match="int64 range"):
        await docs.update_one({"_id": "fine"}, {"$set": {"ok": [{"n": -(2**63) - 1}]}})

    assert await docs.find_one({"_id": "fine"}) == fine
    assert await docs.count_documents({}) == 1


PIPELINE: list[Doc] = [
    {"$set": {"n": {"$add": [{"$ifNull": ["$n", 0]}, 1]}, "tags": {"$ifNull": ["$tags", []]}}},
    {"$set": {"tags": {"$concatArrays": ["$tags", ["seen"]]}}},
]


async def test_a_pipeline_update_and_a_pipeline_upsert_apply_as_released(
    collection: AsyncCollection[Doc],
) -> None:
    made = await collection.find_one_and_update(
        {"_id": "P", "kind": "new"}, PIPELINE, upsert=True, return_document=ReturnDocument.AFTER
    )
    changed = await collection.find_one_and_update(
        {"_id": "P"}, PIPELINE, return_document=ReturnDocument.AFTER
    )
    missed = await collection.update_one({"_id": "absent"}, PIPELINE)

    assert made == {"_id": "P", "kind": "new", "n": 1, "tags": ["seen"]}
    assert changed == {"_id": "P", "kind": "new", "n": 2, "tags": ["seen", "seen"]}
    assert (missed.matched_count, missed.upserted_id) == (0, None)
    assert await collection.count_documents({}) == 1


async def test_a_pipeline_that_cannot_compile_is_refused_as_released(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.insert_one({"_id": "P", "n": 1})

    for bad in ([{"$group": {"_id": None}}], [{"$set": {"n": {"$noSuchOperator": 1}}}]):
        with pytest.raises(OperationFailure):
            await collection.update_one({"_id": "P"}, bad)
        with pytest.raises(OperationFailure):
            await collection.update_one({"_id": "Q"}, bad, upsert=True)

    assert await collection.find_one({"_id": "P"}) == {"_id": "P", "n": 1}
    assert await collection.count_documents({}) == 1


def test_plain_scalars_encode_as_the_released_encoder_does() -> None:
    _plain()
    from bson import Code
    from mongoeco.core.codec import DocumentCodec

    released = DocumentCodec.encode.__wrapped__  # type: ignore[attr-defined]
    values: list[Any] = [
        *("", "text", 0, 1, -(2**63), 2**63 - 1, 2**31, 1.5, float("inf"), -0.0, True, False),
        *(None, Int64(5), Code("x"), Decimal128("1.5"), b"raw", AT, [1, "a", None]),
        {"nested": {"n": 2**40, "f": 2.5, "flag": False, "none": None, "list": [True, "x"]}},
    ]
    for value in values:
        assert repr(DocumentCodec.encode(value)) == repr(released(value)), value
    for too_large in (2**63, -(2**63) - 1, {"deep": [2**64]}):
        with pytest.raises(OverflowError, match="int64 range"):
            DocumentCodec.encode(too_large)
        with pytest.raises(OverflowError, match="int64 range"):
            released(too_large)
