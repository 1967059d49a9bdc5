"""A save writes only the fields that differ from what is stored: the comparison must never call
two values the same when the database would store them differently."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

import pytest

from shared.storage.aggregates import Stored, changed_fields
from shared.storage.writes import same_value, save_pipeline


class Colour(StrEnum):
    RED = "red"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("red", Colour.RED),
        (Decimal("1.50"), Decimal("1.50")),
        ([{"sku": "A", "qty": Decimal("2")}], [{"sku": "A", "qty": Decimal("2")}]),
        (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        (None, None),
        (3, 3),
    ],
)
def test_values_stored_alike_are_the_same(a: object, b: object) -> None:
    assert same_value(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (Decimal("1.0"), Decimal("1.00")),  # equal numbers, stored with different digits
        (1, 1.0),
        (1, True),
        (0.0, -0.0),
        ("1", 1),
        ([1, 2], [2, 1]),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # a document's field order is stored too
        ({"a": 1}, {"a": 1, "b": None}),
        ([{"qty": Decimal("1")}], [{"qty": Decimal("1.0")}]),
        (datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=UTC)),  # noqa: DTZ001 - naive on purpose
        (None, 0),
    ],
)
def test_values_stored_differently_are_not_the_same(a: object, b: object) -> None:
    assert not same_value(a, b)


def test_only_the_fields_that_differ_are_written() -> None:
    stored = Stored({"_id": "O-1", "status": "draft", "lines": [1, 2], "note": None, "version": 3})
    state = {"status": "submitted", "lines": [1, 2], "note": None, "added": "x"}

    assert changed_fields(state, stored) == {"status": "submitted", "added": "x"}


def test_everything_is_written_when_what_is_stored_is_not_known() -> None:
    state = {"status": "submitted", "lines": [1, 2]}

    assert changed_fields(state, None) == state


def test_a_list_that_only_grew_is_sent_as_its_new_items() -> None:
    draft, submitted = {"s": "draft", "by": "x" * 40}, {"s": "submitted", "by": "x" * 40}
    stored = Stored({"history": [draft], "lines": [1, 2], "notes": "x"})
    state = {"history": [draft, submitted], "lines": [2], "notes": "y"}
    changed = changed_fields(state, stored)
    sent = save_pipeline(
        changed, applied=None, window=0, entries=[], lease={}, published=[], stored=stored.doc
    )[0]["$set"]
    assert sent["history"] == {"$concatArrays": ["$history", {"$literal": [submitted]}]}
    rewritten = {"history": [submitted]}  # keeps nothing of what is stored
    sent = save_pipeline(
        rewritten, applied=None, window=0, entries=[], lease={}, published=[], stored=stored.doc
    )[0]["$set"]
    assert sent["history"] == {"$literal": rewritten["history"]}


def test_a_state_sharing_the_stored_values_is_the_same_and_a_changed_one_is_not() -> None:
    """The state of an aggregate made from the stored document shares its values: each is
    the same without being looked into, and one changed value still makes the field differ."""
    line = {"sku": "A", "qty": Decimal("1.50"), "at": datetime(2026, 1, 1, tzinfo=UTC)}
    stored = Stored({"_id": "O-1", "lines": [line], "rate": float("nan"), "version": 3})
    shared = {"lines": [dict(line)], "rate": stored.doc["rate"]}
    regrown = {"lines": [{**line, "qty": Decimal("1.5")}], "rate": stored.doc["rate"]}

    assert changed_fields(shared, stored) == {}
    assert changed_fields(regrown, stored) == {"lines": regrown["lines"]}
