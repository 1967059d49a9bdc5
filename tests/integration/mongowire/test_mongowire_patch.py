"""The development launcher's mongoeco corrections change no answer (mongoeco_patch).

Each engine runs in its own launcher process, started the way the tests start theirs, and is
spoken to over the wire with PyMongo, as the services do. Change streams are the exception:
mongoeco's wire server does not offer them, so those tests open them in process, on engines
of their own, with the corrections applied as the launcher applies them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from bson import Decimal128, Int64
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from deploy.local import mongoeco_patch
from tests.support.servers import MongoServer, launch_mongowire

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, object]


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


# Each writes ``value`` at ``field`` into the document "new" (which did not exist) or "old"
# (which did), and returns the id it wrote; together they are mongoeco's document write paths.
Write = Callable[[AsyncCollection[Doc], str, object], Awaitable[str]]


async def _insert(docs: AsyncCollection[Doc], field: str, value: object) -> str:
    await docs.insert_one({"_id": "new", field: value})
    return "new"


async def _insert_many(docs: AsyncCollection[Doc], field: str, value: object) -> str:
    await docs.insert_many([{"_id": "plain"}, {"_id": "new", field: value}])
    return "new"


async def _update(docs: AsyncCollection[Doc], field: str, value: object) -> str:
    await docs.update_one({"_id": "old"}, {"$set": {field: value}})
    return "old"


async def _upsert(docs: AsyncCollection[Doc], field: str, value: object) -> str:
    await docs.update_one({"_id": "new"}, {"$set": {field: value}}, upsert=True)
    return "new"


async def _replace(docs: AsyncCollection[Doc], field: str, value: object) -> str:
    await docs.replace_one({"_id": "old"}, {field: value})
    return "old"


async def _find_and_modify(docs: AsyncCollection[Doc], field: str, value: object) -> str:
    await docs.find_one_and_update({"_id": "old"}, {"$set": {field: value}})
    return "old"


WRITES = [_insert, _insert_many, _update, _upsert, _replace, _find_and_modify]


async def _ids(docs: AsyncCollection[Doc], query: Doc) -> list[str]:
    return sorted(str(doc["_id"]) for doc in await docs.find(query, {"_id": 1}).to_list())


@pytest.mark.parametrize("write", WRITES)
async def test_a_decimal_written_after_a_query_is_still_compared(
    collection: AsyncCollection[Doc], write: Write
) -> None:
    await collection.insert_many([{"_id": "one", "x": 1}, {"_id": "old", "x": 0}])
    assert await _ids(collection, {"x": {"$gt": 1}}) == []  # learnt: no decimal in x

    written = await write(collection, "x", Decimal128("1.5"))

    assert await _ids(collection, {"x": {"$gt": 1}}) == [written]
    assert await _ids(collection, {"x": {"$gt": 1.4, "$lt": 1.6}}) == [written]


@pytest.mark.parametrize("write", WRITES)
async def test_an_array_written_after_a_query_is_still_matched_by_element(
    collection: AsyncCollection[Doc], write: Write
) -> None:
    await collection.insert_many([{"_id": "one", "tags": "b"}, {"_id": "old", "tags": "c"}])
    assert await _ids(collection, {"tags": "a"}) == []  # learnt: no array in tags

    written = await write(collection, "tags", ["a", "c"])

    assert await _ids(collection, {"tags": "a"}) == [written]
    assert await _ids(collection, {"tags": "c"}) == sorted({written, "old"})


@pytest.mark.parametrize("write", WRITES)
async def test_of_the_answers_learnt_for_several_fields_only_the_written_field_s_change(
    collection: AsyncCollection[Doc], write: Write
) -> None:
    """The answers of a collection are re-checked against a written document together (one
    read of it for all): each keeps its own field's answer."""
    await collection.insert_many(
        [{"_id": "one", "x": 1, "y": 1, "z": 1, "tags": "b"}, {"_id": "old", "y": 0}]
    )
    queries: list[Doc] = [{"x": {"$gt": 1}}, {"y": {"$gt": 1}}, {"z": {"$gt": 1}}, {"tags": "a"}]
    for query in queries:
        assert await _ids(collection, query) == []  # learnt: no decimal, no array

    written = await write(collection, "y", Decimal128("1.5"))

    assert await _ids(collection, {"y": {"$gt": 1}}) == [written]
    assert await _ids(collection, {"x": {"$gte": 1}}) == ["one"]
    assert await _ids(collection, {"z": {"$lt": 2}}) == ["one"]
    assert await _ids(collection, {"tags": "b"}) == ["one"]


async def test_answers_stay_right_after_the_decimal_and_the_array_are_gone(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.insert_one({"_id": "odd", "x": Decimal128("1.5"), "tags": ["a"]})
    assert await _ids(collection, {"x": {"$gt": 1}, "tags": "a"}) == ["odd"]
    await collection.delete_one({"_id": "odd"})
    await collection.insert_many([{"_id": "two", "x": 2, "tags": "a"}, {"_id": "one", "x": 1}])

    assert await _ids(collection, {"x": {"$gt": 1}, "tags": "a"}) == ["two"]
    assert await _ids(collection, {"x": {"$lte": 1}}) == ["one"]


# An update's images as each write path returns them (mongoeco_patch/owned_images.py): the
# operators mongoeco translates to SQL, an aggregation pipeline (its Python path), an upsert.
UPDATES: list[Doc | list[Doc]] = [
    {"$push": {"tags": "b"}, "$inc": {"n": 1}},
    [{"$set": {"tags": {"$concatArrays": ["$tags", ["b"]]}, "n": {"$add": ["$n", 1]}}}],
]


@pytest.mark.parametrize("update", UPDATES)
async def test_an_update_returns_its_own_before_and_after_images(
    collection: AsyncCollection[Doc], update: Doc | list[Doc]
) -> None:
    await collection.insert_one({"_id": "A", "n": 0, "tags": ["a"], "at": {"x": [1]}})

    before = await collection.find_one_and_update({"_id": "A"}, update)
    after = await collection.find_one_and_update(
        {"_id": "A"}, update, return_document=ReturnDocument.AFTER
    )
    await collection.update_one({"_id": "A"}, update)

    assert before == {"_id": "A", "n": 0, "tags": ["a"], "at": {"x": [1]}}
    assert after == {"_id": "A", "n": 2, "tags": ["a", "b", "b"], "at": {"x": [1]}}
    assert await collection.find_one({"_id": "A"}) == {
        "_id": "A",
        "n": 3,
        "tags": ["a", "b", "b", "b"],
        "at": {"x": [1]},
    }


async def test_an_upsert_and_an_unchanged_update_return_their_images(
    collection: AsyncCollection[Doc],
) -> None:
    made = await collection.find_one_and_update(
        {"_id": "B"}, {"$set": {"n": 1}}, upsert=True, return_document=ReturnDocument.AFTER
    )
    same = await collection.find_one_and_update(
        {"_id": "B"}, {"$set": {"n": 1}}, return_document=ReturnDocument.AFTER
    )
    result = await collection.update_one({"_id": "B"}, {"$set": {"n": 1}})

    assert made == same == {"_id": "B", "n": 1}
    assert (result.matched_count, result.modified_count) == (1, 0)


def _nested(depth: int) -> Doc:
    """A document ``depth`` levels deep, with the kinds of values the services store."""
    doc: Doc = {"amount": Decimal128("12.50"), "count": 2**40, "at": [{"n": 1.5}, None, True]}
    for level in range(depth):
        doc = {"level": level, "inner": doc, "list": [doc, {"copy": doc}]}
    return doc


async def test_a_deep_document_is_stored_and_read_back_whole(
    collection: AsyncCollection[Doc],
) -> None:
    deep = _nested(6)
    await collection.insert_one({"_id": "deep", **deep})
    await collection.update_one({"_id": "deep"}, {"$push": {"list": _nested(2)}})

    stored = await collection.find_one({"_id": "deep"}, {"_id": 0})
    assert stored == {**deep, "list": [deep["inner"], {"copy": deep["inner"]}, _nested(2)]}


async def test_the_wire_server_offers_no_change_stream(collection: AsyncCollection[Doc]) -> None:
    # Why the change-stream tests below run in process; move them here once this fails.
    with pytest.raises(OperationFailure, match=r"\$changeStream"):
        await collection.watch()


@pytest.fixture(params=["memory", "sqlite"])
async def local(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """A collection of an in-process mongoeco client, on a corrected engine of its own."""
    assert mongoeco_patch.apply()
    from mongoeco import AsyncMongoClient as LocalClient
    from mongoeco.engines.memory import MemoryEngine
    from mongoeco.engines.sqlite import SQLiteEngine

    path = str(tmp_path / "data.sqlite3")
    engine = SQLiteEngine(path) if request.param == "sqlite" else MemoryEngine()
    async with LocalClient(engine) as client:
        yield client["db"]["docs"]


async def test_a_change_stream_sees_each_write_within_a_second(local: Any) -> None:
    await local.insert_one({"_id": "unwatched"})
    stream = local.watch(max_await_time_ms=1000)

    await local.insert_one({"_id": "A", "n": 0})
    await local.update_one({"_id": "A"}, {"$set": {"n": 1}})
    await local.delete_one({"_id": "A"})

    seen = [await stream.try_next() for _ in range(3)]
    assert [(event["operationType"], event["documentKey"]["_id"]) for event in seen] == [
        ("insert", "A"),
        ("update", "A"),
        ("delete", "A"),
    ]
    assert await stream.try_next() is None
    stream.close()


async def test_a_change_stream_shows_each_update_s_own_document(local: Any) -> None:
    await local.insert_one({"_id": "A", "n": 0, "tags": ["a"]})
    stream = local.watch(full_document="updateLookup", max_await_time_ms=1000)

    await local.update_one({"_id": "A"}, {"$push": {"tags": "b"}, "$inc": {"n": 1}})
    await local.update_one({"_id": "A"}, [{"$set": {"n": {"$add": ["$n", 1]}}}])

    seen = [await stream.try_next() for _ in range(2)]
    assert [event["fullDocument"] for event in seen] == [
        {"_id": "A", "n": 1, "tags": ["a", "b"]},
        {"_id": "A", "n": 2, "tags": ["a", "b"]},
    ]
    stream.close()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"ok": {"deeper": [{1: "not a string key"}]}}, "keys must be strings"),
        ({"ok": [{"deeper": {"a", "set"}}]}, "set values"),
    ],
)
async def test_a_value_bson_cannot_hold_is_refused_at_any_depth(
    local: Any, bad: Doc, message: str
) -> None:
    shared: Doc = {"same": "object", "twice": [1, 2]}
    await local.insert_one({"_id": "shared", "a": shared, "b": [shared, shared]})

    with pytest.raises(TypeError, match=message):
        await local.insert_one({"_id": "bad", "fine": shared, **bad})
    with pytest.raises(TypeError, match=message):
        await local.update_one({"_id": "shared"}, {"$set": {"fine": shared, **bad}})

    assert await local.find_one({"_id": "shared"}) == {
        "_id": "shared",
        "a": shared,
        "b": [shared, shared],
    }
    assert await local.count_documents({}) == 1


async def test_the_change_hub_counts_unwatched_writes_at_once(local: Any) -> None:
    for n in range(3):
        await local.insert_one({"_id": n})
    assert local.change_stream_state()["nextToken"] == 4

    stream = local.watch(max_await_time_ms=1000)
    await local.insert_one({"_id": "watched"})
    event = await stream.try_next()
    assert event["documentKey"] == {"_id": "watched"}
    assert local.change_stream_state()["nextToken"] == 5
    stream.close()


async def _orders(docs: AsyncCollection[Doc]) -> None:
    """Indexed documents, and a sibling collection with the same index and values."""
    for target in (docs, docs.database["sibling"]):
        await target.create_index([("status", 1), ("at", -1)])
        await target.create_index("ref", unique=True)
        await target.insert_many(
            [{"_id": i, "ref": f"R{i}", "status": f"s{i % 3}", "at": i} for i in range(12)]
        )
    await docs.database["sibling"].insert_one({"_id": 99, "ref": "R99", "status": "s1", "at": 5})


async def test_indexes_answer_equality_range_sort_and_hints(
    collection: AsyncCollection[Doc],
) -> None:
    await _orders(collection)

    assert await _ids(collection, {"status": "s1"}) == ["1", "10", "4", "7"]
    assert await _ids(collection, {"status": "s1", "at": {"$gt": 4, "$lte": 10}}) == ["10", "7"]
    newest = collection.find({"status": "s1"}, {"_id": 1}).sort([("status", 1), ("at", -1)])
    assert [doc["_id"] for doc in await newest.to_list()] == [10, 7, 4, 1]
    assert await collection.find_one({"ref": "R5"}, {"_id": 1}) == {"_id": 5}
    hinted = collection.find({"ref": "R5"}, {"_id": 1}).hint("ref_1")
    assert await hinted.to_list() == [{"_id": 5}]
    by_keys = collection.find({"status": "s2"}, {"_id": 1}).hint([("status", 1), ("at", -1)])
    assert sorted(str(doc["_id"]) for doc in await by_keys.to_list()) == ["11", "2", "5", "8"]


async def test_a_unique_index_still_refuses_a_duplicate(collection: AsyncCollection[Doc]) -> None:
    await _orders(collection)
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"_id": 50, "ref": "R3"})
    with pytest.raises(DuplicateKeyError):
        await collection.update_one({"_id": 4}, {"$set": {"ref": "R3"}})
    assert await _ids(collection, {"ref": "R3"}) == ["3"]


# A unique index without single-field entries (a compound one, or one on a number) is checked
# against the documents SQLite finds with an equal key (mongoeco_patch/unique_scan.py). The
# answers below are those mongoeco gives unpatched (``--unpatched``), which are MongoDB's.
SERIES = [("series", 1), ("number", 1)]


async def _refused(write: Awaitable[object]) -> bool:
    try:
        await write
    except DuplicateKeyError:
        return True
    return False


async def test_a_compound_unique_index_refuses_a_duplicate_on_each_write(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.create_index(SERIES, unique=True)
    await collection.insert_many(
        [{"_id": i, "series": "A", "number": i, "status": "issued"} for i in range(1, 301)]
    )
    duplicate = {"series": "A", "number": 150}

    assert await _refused(collection.insert_one({"_id": 0, **duplicate}))
    assert await _refused(collection.update_one({"_id": 2}, {"$set": {"number": 150}}))
    assert await _refused(collection.replace_one({"_id": 2}, duplicate))
    assert await _refused(collection.find_one_and_update({"_id": 151}, {"$inc": {"number": -1}}))
    assert await _refused(collection.update_one({"_id": 0}, {"$set": duplicate}, upsert=True))
    with pytest.raises(BulkWriteError):
        await collection.insert_many(
            [{"_id": 0, "series": "B", "number": 1}, {"_id": -1, **duplicate}]
        )
    assert await collection.count_documents({}) == 301
    assert await _ids(collection, duplicate) == ["150"]


async def test_a_compound_unique_index_accepts_keys_that_share_one_field(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.create_index(SERIES, unique=True)
    await collection.insert_one({"_id": "old", "series": "A", "number": 1})
    others: list[Doc] = [
        {"series": "A", "number": 2},
        {"series": "B", "number": 1},
        {"series": "a", "number": 1},
        {"series": "A", "number": "1"},
        {"series": "A", "number": True},
        {"series": "A", "number": 1.5},
        {"series": "A", "number": None},
        {"series": ["A"], "number": 3},
    ]
    for n, other in enumerate(others):
        await collection.insert_one({"_id": n, **other})
    await collection.update_one({"_id": "old"}, {"$set": {"number": 1, "note": "same key"}})
    await collection.update_one({"_id": 0}, {"$set": {"number": 20}})
    assert await collection.count_documents({}) == len(others) + 1


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        (1, 1.0),
        (1.0, 1),
        (1, Int64(1)),
        (Int64(1), 1),
        (1, Decimal128("1.00")),
        (Decimal128("1.0"), 1),
        (2**40, float(2**40)),
        (0, -0.0),
        (1.5, 1.5),
        (Decimal128("2.5"), 2.5),
    ],
)
async def test_equal_numbers_of_different_types_are_one_key(
    collection: AsyncCollection[Doc], stored: object, written: object
) -> None:
    await collection.create_index(SERIES, unique=True)
    await collection.create_index("number_alone", unique=True)
    await collection.insert_many(
        [
            {"_id": "old", "series": "A", "number": stored, "number_alone": stored},
            {"_id": "other", "series": "A", "number": 7},
        ]
    )
    assert await _refused(collection.insert_one({"_id": "new", "series": "A", "number": written}))
    assert await _refused(collection.update_one({"_id": "other"}, {"$set": {"number": written}}))
    assert await _refused(collection.insert_one({"_id": "new", "number_alone": written}))
    assert await _ids(collection, {}) == ["old", "other"]


@pytest.mark.parametrize(
    ("stored", "written", "refused"),
    [
        ({"a": "x"}, {"a": "x", "b": None}, True),
        ({"a": "x", "b": None}, {"a": "x"}, True),
        ({}, {}, True),
        ({"b": None}, {"a": None}, True),
        ({"a": "x"}, {"a": "x", "b": "y"}, False),
        ({"a": "x", "b": None}, {"a": "x", "b": False}, False),
        ({"a": "x", "b": None}, {"a": "x", "b": 0}, False),
        ({"a": "x", "b": None}, {"a": "x", "b": ""}, False),
    ],
)
async def test_null_and_missing_are_one_key(
    collection: AsyncCollection[Doc], stored: Doc, written: Doc, refused: bool
) -> None:
    await collection.create_index([("a", 1), ("b", 1)], unique=True)
    await collection.insert_one({"_id": "old", **stored})
    assert await _refused(collection.insert_one({"_id": "new", **written})) is refused


async def test_booleans_and_dates_are_compared_by_value(collection: AsyncCollection[Doc]) -> None:
    await collection.create_index([("a", 1), ("flag", 1), ("at", 1)], unique=True)
    at = datetime(2025, 3, 1, 12, 30, 15, 123000, tzinfo=UTC)
    await collection.insert_one({"_id": "old", "a": "x", "flag": True, "at": at})

    assert await _refused(collection.insert_one({"_id": 1, "a": "x", "flag": True, "at": at}))
    elsewhere = at.astimezone(timezone(timedelta(hours=1)))
    assert await _refused(
        collection.insert_one({"_id": 2, "a": "x", "flag": True, "at": elsewhere})
    )
    others: list[Doc] = [
        {"flag": 1},
        {"flag": False},
        {"at": at + timedelta(milliseconds=1)},
        {"at": str(at)},
    ]
    for n, other in enumerate(others):
        await collection.insert_one({"_id": n + 3, "a": "x", "flag": True, "at": at, **other})
    assert await collection.count_documents({}) == 5


@pytest.mark.parametrize(
    ("stored", "written", "refused"),
    [
        ({}, {}, False),
        ({"c": 1}, {"c": 1}, False),
        ({"a": "x"}, {"a": "x"}, True),
        ({"a": "x"}, {"a": "x", "b": None}, True),
        ({"b": 1}, {"b": 1}, True),
        ({"a": "x"}, {"a": "x", "b": 1}, False),
    ],
)
async def test_a_sparse_compound_unique_index_leaves_out_documents_without_its_fields(
    collection: AsyncCollection[Doc], stored: Doc, written: Doc, refused: bool
) -> None:
    await collection.create_index([("a", 1), ("b", 1)], unique=True, sparse=True)
    await collection.insert_one({"_id": "old", **stored})
    assert await _refused(collection.insert_one({"_id": "new", **written})) is refused


async def test_a_partial_unique_index_compares_only_the_documents_it_holds(
    collection: AsyncCollection[Doc],
) -> None:
    await collection.create_index(SERIES, unique=True, partialFilterExpression={"status": "issued"})
    key = {"series": "A", "number": 1}
    await collection.insert_many(
        [{"_id": 1, **key, "status": "draft"}, {"_id": 2, **key, "status": "draft"}]
    )
    await collection.insert_one({"_id": 3, **key, "status": "issued"})

    assert await _refused(collection.insert_one({"_id": 4, **key, "status": "issued"}))
    assert await _refused(collection.update_one({"_id": 1}, {"$set": {"status": "issued"}}))
    await collection.update_one({"_id": 3}, {"$set": {"status": "void"}})
    await collection.update_one({"_id": 1}, {"$set": {"status": "issued"}})
    assert await _ids(collection, {"status": "issued"}) == ["1"]


async def _rename(docs: AsyncCollection[Doc], new_name: str) -> None:
    # Sent to the collection's own database: mongoeco's wire server refuses it on ``admin``,
    # where PyMongo's ``rename`` sends it.
    namespace = f"{docs.database.name}.{{}}"
    await docs.database.command(
        {"renameCollection": namespace.format(docs.name), "to": namespace.format(new_name)}
    )


async def test_a_renamed_collection_is_found_by_its_indexes(
    collection: AsyncCollection[Doc],
) -> None:
    await _orders(collection)
    await _rename(collection, "renamed")
    renamed = collection.database["renamed"]

    assert await _ids(renamed, {"status": "s1", "at": {"$gte": 7}}) == ["10", "7"]
    assert await renamed.find({"ref": "R5"}, {"_id": 1}).hint("ref_1").to_list() == [{"_id": 5}]
    with pytest.raises(DuplicateKeyError):
        await renamed.insert_one({"_id": 50, "ref": "R3"})
    await renamed.insert_one({"_id": 51, "ref": "R51", "status": "s1", "at": 51})
    assert await _ids(renamed, {"status": "s1", "at": {"$gte": 10}}) == ["10", "51"]
    assert await collection.count_documents({}) == 0


async def test_a_dropped_index_and_collection_leave_the_rest_answering(
    collection: AsyncCollection[Doc],
) -> None:
    await _orders(collection)
    await collection.drop_index("ref_1")
    await collection.insert_one({"_id": 50, "ref": "R3"})
    assert await _ids(collection, {"ref": "R3"}) == ["3", "50"]
    assert [index["name"] for index in await (await collection.list_indexes()).to_list()] == [
        "_id_",
        "status_1_at_-1",
    ]
    await collection.drop()
    sibling = collection.database["sibling"]
    assert await _ids(sibling, {"status": "s1", "at": 5}) == ["99"]
    await collection.create_index("ref", unique=True)
    await collection.insert_one({"_id": 1, "ref": "R1"})
    assert await _ids(collection, {"ref": "R1"}) == ["1"]


def _documents_indexes(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'index' AND tbl_name = 'documents' AND sql IS NOT NULL"
        ).fetchall()
    return dict(rows)


async def test_an_unpatched_database_file_is_converted_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "data.sqlite3"
    with ExitStack() as stack:
        old = launch_mongowire(stack, "--engine", "sqlite", "--path", str(path), "--unpatched")
        client: AsyncMongoClient[Doc] = AsyncMongoClient(old.url)
        await _orders(client["db"]["orders"])
        await client.close()
    unconverted = _documents_indexes(path)
    assert len(unconverted) == 4
    assert all(" WHERE " not in sql for sql in unconverted.values())

    with ExitStack() as stack:
        new = launch_mongowire(stack, "--engine", "sqlite", "--path", str(path))
        client = AsyncMongoClient(new.url)
        orders = client["db"]["orders"]
        assert await _ids(orders, {"status": "s1", "at": {"$lt": 7}}) == ["1", "4"]
        assert await orders.find({"ref": "R5"}, {"_id": 1}).hint("ref_1").to_list() == [{"_id": 5}]
        await _rename(orders, "renamed")
        await client.close()
    converted = _documents_indexes(path)
    assert len(converted) == 4
    assert sorted(sql.split(" WHERE ")[1] for sql in converted.values()) == [
        "db_name = 'db' AND coll_name = 'renamed'",
        "db_name = 'db' AND coll_name = 'renamed'",
        "db_name = 'db' AND coll_name = 'sibling'",
        "db_name = 'db' AND coll_name = 'sibling'",
    ]
