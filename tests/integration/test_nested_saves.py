"""A field sent as what changed in it (dotted paths into a document, runs of a stored list
around new items) must leave the database holding exactly what sending it whole leaves: the
same keys in the same order, the same types, decimals digit for digit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from shared.storage.mongo import Document, connect, database
from shared.storage.writes import constant, same_value, save_pipeline
from tests.support.factories import unique
from tests.support.services import Environment

AT = datetime(2026, 12, 6, 12, 49, 1, 8000, tzinfo=UTC)
LATER = datetime(2026, 12, 8, 12, 49, 1, 8000, tzinfo=UTC)


def held(*orders: str) -> list[Document]:
    return [{"order_id": f"SO-{o}", "quantity": Decimal("2"), "at": AT} for o in orders]


def reservation(**changes: Any) -> Document:
    return {
        "attempt": 1,
        "location_id": "BR-3aeed42551-WH-65fb2aabdb",
        "state": "soft",
        "expires_at": LATER,
        "lines": [{"sku": "SKU-213b172dda", "needed": Decimal("2"), "reserved": Decimal("2")}],
        "reason": None,
        "limits": {"max": Decimal("10.0"), "tags": ["a", "b"]},
    } | changes


CASES = {
    "a key of a document": (reservation(), reservation(state="firm", expires_at=None), True),
    "a nested document's key": (
        reservation(),
        reservation(limits={"max": Decimal("10.00"), "tags": ["a", "b"]}),
        True,
    ),
    "a key removed, one added": (
        reservation(),
        {k: v for k, v in reservation(reason="late").items() if k != "attempt"} | {"new": [1]},
        True,
    ),
    "an entry released": (held(*"abcdefgh"), held(*"abcefgh"), True),
    "a window slid": (held(*"abcdefgh"), held(*"bcdefghi"), True),
    "an entry replaced": (
        held(*"abcdefgh"),
        [*held(*"abc"), {"order_id": "SO-d", "quantity": Decimal("3")}, *held(*"efgh")],
        True,
    ),
    "many entries released": (held(*"abcdefghijklmnopqrstu"), held(*"tu"), False),
    "a list grown": (held(*"abcd"), held(*"abcdef"), True),
    "a list emptied": (held(*"abcd"), [], False),
    "a list all new": (held(*"abcd"), held(*"wxyz"), False),
    "keys reordered": (reservation(), dict(reversed(reservation().items())), False),
    "a key with a dot": ({"a.b": "x" * 200, "c": 1}, {"a.b": "x" * 200, "c": 2}, False),
    "a key that is a number": ({"0": "x" * 200, "c": 1}, {"0": "x" * 200, "c": 2}, False),
    "a key with a dollar": ({"$a": "x" * 200, "c": 1}, {"$a": "x" * 200, "c": 2}, False),
    "a document in a list": (
        [reservation(), reservation()],
        [reservation(), reservation(state="firm")],
        True,
    ),
    "a list in a document in a list": (
        {"claims": [{"lines": held(*"abcdef")}]},
        {"claims": [{"lines": held(*"abcdf")}]},
        True,  # the document's key, whole
    ),
    "a document becomes a list": (reservation(), held(*"ab"), False),
    "text starting with a dollar": ("plain", "$not.a.path", False),
    "a key's text starting with a dollar": (reservation(), reservation(state="$firm"), True),
    "a key's value becomes none, a time, a decimal, a flag": (
        reservation(),
        reservation(attempt=None, reason=AT, state=Decimal("1.50"), location_id=True),
        True,
    ),
    "a number": (1, 2.5, False),
    "a document emptied": (reservation(), {}, False),
}


@pytest.fixture
async def db(env: Environment, mongo: Any) -> AsyncIterator[Any]:
    client = connect(mongo.url, app_name="oms-tests")
    yield database(client, env.database("nested"))
    await client.close()


async def _saved(db: Any, before: Any, after: Any, *, stored: bool) -> Document:
    doc_id = unique("N")
    applied = [f"m{i}" for i in range(4)]
    await db.docs.insert_one(
        {"_id": doc_id, "f": before, "g": 1, "version": 1, "applied_messages": applied}
    )
    pipeline = save_pipeline(
        {"f": after},
        applied="$m4",
        window=4,
        entries=[],
        lease={},
        published=[],
        stored={"f": before, "applied_messages": applied} if stored else None,
        version=1 if stored else None,
    )
    result = await db.docs.update_one({"_id": doc_id, "version": 1}, pipeline)
    assert result.modified_count == 1
    found: Document = await db.docs.find_one({"_id": doc_id}, {"_id": 0})
    return found


@pytest.mark.parametrize(("before", "after", "patched"), CASES.values(), ids=list(CASES))
async def test_a_field_saved_as_its_changes_is_stored_as_when_saved_whole(
    db: Any, before: Any, after: Any, patched: bool
) -> None:
    whole = await _saved(db, before, after, stored=False)
    changes = await _saved(db, before, after, stored=True)

    assert same_value(changes, whole), (changes, whole)
    assert list(changes) == ["f", "g", "version", "applied_messages"]
    assert changes["applied_messages"] == ["m1", "m2", "m3", "$m4"]
    sent = save_pipeline(
        {"f": after},
        applied=None,
        window=0,
        entries=[],
        lease={},
        published=[],
        stored={"f": before},
    )[0]["$set"]
    assert (sent != {"f": constant(after), "version": {"$add": ["$version", 1]}}) == patched


@pytest.mark.parametrize("window", [3, 4, 200])
async def test_the_applied_message_is_remembered_in_the_window_as_before(
    db: Any, window: int
) -> None:
    applied = [f"m{i}" for i in range(4)][-window:]
    ids = []
    for stored in (False, True):
        doc_id = unique("N")
        ids.append(doc_id)
        await db.docs.insert_one({"_id": doc_id, "version": 7, "applied_messages": applied})
        pipeline = save_pipeline(
            {},
            applied="m4",
            window=window,
            entries=[],
            lease={},
            published=[],
            stored={"applied_messages": applied} if stored else None,
            version=7 if stored else None,
        )
        assert (await db.docs.update_one({"_id": doc_id, "version": 7}, pipeline)).modified_count

    whole, changes = [await db.docs.find_one({"_id": i}, {"_id": 0}) for i in ids]
    assert changes == whole == {"version": 8, "applied_messages": [*applied, "m4"][-window:]}
