"""Writes whose filter asks for fields equal to a text or a boolean
(``mongoeco_patch.equal_selection``): on the SQLite engine they read only the documents holding
those values, and on both engines they change a document any server would (with a sort, the
first match in its order)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from deploy.local.mongoeco_patch.equal_selection import equalities

pytest.importorskip("mongoeco", reason="the embedded server needs mongoeco (Python >= 3.13)")

Doc = dict[str, Any]
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _email(key: str, status: Any, minutes: int, **more: Any) -> Doc:
    return {
        "_id": key,
        "status": status,
        "next_attempt_at": T0 + timedelta(minutes=minutes),
        "lease": None,
        **more,
    }


async def _stored(collection: AsyncCollection[Doc]) -> None:
    """Sent e-mails, older than any queued one, and queued ones written out of their order."""
    await collection.create_index([("status", 1), ("next_attempt_at", 1)])
    await collection.insert_many([_email(f"sent-{i:03d}", "sent", i - 500) for i in range(200)])
    await collection.insert_many(
        [
            _email("q-30", "queued", 30),
            _email("q-10", "queued", 10, lease={"until": T0 + timedelta(hours=1)}),
            _email("q-20", "queued", 20),
            _email("q-40", "queued", 40),
        ]
    )


def _key(document: Doc | None) -> Any:
    return None if document is None else document["_id"]


async def _claim(collection: AsyncCollection[Doc], at: datetime, **options: Any) -> Doc | None:
    """The notification dispatcher's claim of the next due e-mail."""
    return await collection.find_one_and_update(
        {
            "status": "queued",
            "next_attempt_at": {"$lte": at},
            "$or": [{"lease": None}, {"lease.until": {"$lt": at}}],
        },
        {"$set": {"lease": {"owner": "me", "until": at + timedelta(minutes=1)}}},
        sort=options.pop("sort", [("next_attempt_at", 1)]),
        return_document=ReturnDocument.AFTER,
        **options,
    )


async def test_the_first_match_in_the_sort_s_order_is_claimed_and_changed(
    collection: AsyncCollection[Doc],
) -> None:
    await _stored(collection)
    at = T0 + timedelta(minutes=35)

    first = await _claim(collection, at)
    second = await _claim(collection, at)
    third = await _claim(collection, at)

    assert _key(first) == "q-20"  # q-10 is leased, sent ones are older
    assert (first or {})["lease"]["owner"] == "me"
    assert _key(second) == "q-30"
    assert third is None  # q-40 is not due
    leased = {doc["_id"] async for doc in collection.find({"lease.owner": "me"})}
    assert leased == {"q-20", "q-30"}
    assert await collection.count_documents({"status": "sent", "lease": None}) == 200


async def test_a_descending_sort_and_a_second_key_take_their_first(
    collection: AsyncCollection[Doc],
) -> None:
    await _stored(collection)
    await collection.insert_one(_email("q-40b", "queued", 40, rank=0))
    at = T0 + timedelta(hours=2)

    latest = await _claim(collection, at, sort=[("next_attempt_at", -1), ("rank", 1)])
    earliest = await _claim(collection, at, sort={"next_attempt_at": 1})

    assert _key(latest) == "q-40"  # no rank sorts before 0
    assert _key(earliest) == "q-10"  # its lease ran out


async def test_an_array_holding_the_text_still_matches(collection: AsyncCollection[Doc]) -> None:
    await _stored(collection)
    await collection.insert_one(_email("q-array", ["held", "queued"], 5))

    first = await _claim(collection, T0 + timedelta(minutes=35))

    assert _key(first) == "q-array"


async def test_nothing_matching_changes_nothing(collection: AsyncCollection[Doc]) -> None:
    await _stored(collection)

    assert await _claim(collection, T0) is None
    assert await collection.count_documents({"lease.owner": "me"}) == 0


@pytest.fixture
async def in_process(tmp_path: Path) -> AsyncIterator[tuple[AsyncCollection[Doc], list[Any]]]:
    """A collection of an in-process client on a corrected SQLite engine, and every document
    the engine decoded (by ``_id``)."""
    from deploy.local import mongoeco_patch

    assert mongoeco_patch.apply()
    from mongoeco import AsyncMongoClient as LocalClient
    from mongoeco.engines.sqlite import SQLiteEngine

    engine = SQLiteEngine(str(tmp_path / "data.sqlite3"))
    decoded: list[Any] = []
    decode = engine._deserialize_document

    def recording(document: str) -> Any:
        value = decode(document)
        decoded.append(value.get("_id"))
        return value

    engine._deserialize_document = recording  # type: ignore[method-assign,assignment]
    async with LocalClient(engine) as client:
        yield client["db"]["emails"], decoded


async def test_only_the_documents_holding_the_text_are_read(
    in_process: tuple[AsyncCollection[Doc], list[Any]],
) -> None:
    emails, decoded = in_process
    await _stored(emails)
    await _claim(emails, T0)  # the engine learns once whether ``status`` holds arrays
    decoded.clear()

    claimed = await _claim(emails, T0 + timedelta(minutes=35))

    assert _key(claimed) == "q-20"
    assert decoded
    assert set(decoded) <= {"q-10", "q-20", "q-30", "q-40"}


async def test_with_an_array_in_the_field_the_whole_collection_is_read(
    in_process: tuple[AsyncCollection[Doc], list[Any]],
) -> None:
    emails, decoded = in_process
    await _stored(emails)
    await emails.insert_one(_email("q-array", ["held", "queued"], 5))
    decoded.clear()

    claimed = await _claim(emails, T0 + timedelta(minutes=35))

    assert _key(claimed) == "q-array"
    assert len(set(decoded)) == 205


async def _stored_outbox(collection: AsyncCollection[Doc]) -> None:
    """Documents without entries, a few with entries (one leased), and a number in the field."""
    await collection.create_index("pending", sparse=True)
    await collection.insert_many([{"_id": f"done-{i:03d}", "n": i} for i in range(200)])
    await collection.insert_many(
        [
            {"_id": "p-1", "pending": True, "lease": {"until": T0 + timedelta(hours=1)}},
            {"_id": "p-2", "pending": True, "lease": None},
            {"_id": "one", "pending": 1, "lease": None},
            {"_id": "off", "pending": False, "lease": None},
        ]
    )


async def _take(collection: AsyncCollection[Doc], at: datetime, pending: Any = True) -> Any:
    """The outbox relays' claim of a document with entries left."""
    found = await collection.find_one_and_update(
        {"pending": pending, "$or": [{"lease": None}, {"lease.until": {"$lt": at}}]},
        {"$set": {"lease": {"owner": "me", "until": at + timedelta(minutes=1)}}},
        return_document=ReturnDocument.AFTER,
    )
    return _key(found)


async def test_a_claim_takes_only_a_document_holding_the_value(
    collection: AsyncCollection[Doc],
) -> None:
    await _stored_outbox(collection)

    taken = [await _take(collection, T0) for _ in range(3)]
    later = await _take(collection, T0 + timedelta(hours=2))
    off = await _take(collection, T0, pending=False)

    assert taken == ["p-2", None, None]  # p-1 is leased; the number 1 is no ``true``
    assert later == "p-1"
    assert off == "off"
    assert (await collection.delete_one({"pending": True, "lease.owner": "me"})).deleted_count
    assert await collection.count_documents({"pending": True}) == 1
    assert await collection.count_documents({}) == 203


async def test_an_array_holding_the_boolean_still_matches(
    collection: AsyncCollection[Doc],
) -> None:
    await _stored_outbox(collection)
    await collection.update_one({"_id": "p-2"}, {"$set": {"lease": {"until": T0}, "n": -1}})
    await collection.insert_one({"_id": "p-array", "pending": [False, True], "lease": None})

    assert await _take(collection, T0) == "p-array"


async def test_a_claim_reads_only_the_documents_holding_the_value(
    in_process: tuple[AsyncCollection[Doc], list[Any]],
) -> None:
    docs, decoded = in_process
    await _stored_outbox(docs)
    await _take(docs, T0, pending=False)  # learns once that ``pending`` holds no array
    decoded.clear()

    assert await _take(docs, T0) == "p-2"
    assert await _take(docs, T0) is None
    assert set(decoded) == {"p-1", "p-2", "one"}  # what SQL selects: ``true`` and the number 1


def test_only_top_level_texts_and_booleans_narrow() -> None:
    from mongoeco.core.query_plan import compile_filter

    def texts(flt: Doc) -> dict[str, str | bool]:
        return equalities(compile_filter(flt))

    assert texts({"status": "queued", "n": {"$lte": 3}, "$or": [{"a": 1}, {"b": 2}]}) == {
        "status": "queued"
    }
    assert texts({"status": "queued", "kind": "sales"}) == {"status": "queued", "kind": "sales"}
    assert texts({"status": "queued"}) == {"status": "queued"}
    assert texts({"lease.owner": "me", "n": 3, "flag": True, "none": None}) == {"flag": True}
    assert texts({"_id": "A", "n": 3.0, "at": T0}) == {}
    assert texts({"$or": [{"status": "queued"}, {"status": "held"}]}) == {}
