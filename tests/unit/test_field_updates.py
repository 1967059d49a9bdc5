"""A changed field is sent as what changed in it when that is smaller: by dotted paths only into
stored documents, as runs of the stored list around its new items, whole otherwise."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.storage.writes import constant, field_updates, save_pipeline

ENTRY = {"order_id": "SO-0123456789", "quantity": Decimal("2")}


def entries(*names: str) -> list[dict[str, Any]]:
    return [ENTRY | {"order_id": f"SO-{name * 10}"} for name in names]


def updates(before: Any, after: Any) -> tuple[dict[str, Any], list[str]]:
    removed: list[str] = []
    return field_updates("f", before, after, removed), removed


def test_a_released_entry_is_sent_as_the_runs_kept_around_it() -> None:
    sent, removed = updates(entries(*"abcde"), entries(*"abde"))

    assert sent == {"f": {"$concatArrays": [{"$slice": ["$f", 2]}, {"$slice": ["$f", 3, 2]}]}}
    assert removed == []


def test_a_grown_list_is_sent_as_its_new_items_and_a_slid_window_as_what_it_keeps() -> None:
    grown, _ = updates(entries(*"ab"), entries(*"abc"))
    slid, _ = updates(entries(*"abcd"), entries(*"bcde"))

    assert grown == {"f": {"$concatArrays": ["$f", {"$literal": entries("c")}]}}
    assert slid == {"f": {"$concatArrays": [{"$slice": ["$f", 1, 3]}, {"$literal": entries("e")}]}}


def test_a_list_keeping_nothing_or_too_little_is_sent_whole() -> None:
    assert updates(entries(*"ab"), entries(*"cd"))[0] == {"f": {"$literal": entries(*"cd")}}
    assert updates([1, 2], [2, 3])[0] == {"f": {"$literal": [2, 3]}}


def test_a_document_is_entered_by_its_changed_and_removed_keys() -> None:
    before = {"state": "soft", "note": "x" * 50, "lines": entries(*"abc"), "gone": 1}
    after = {"state": "firm", "note": "x" * 50, "lines": entries(*"ab"), "new": None}

    sent, removed = updates(before, after)

    assert sent == {
        "f.state": "firm",
        "f.lines": {"$slice": ["$f.lines", 2]},
        "f.new": None,
    }
    assert removed == ["f.gone"]


def test_a_document_whose_keys_move_or_cannot_be_paths_is_sent_whole() -> None:
    before = {"a": "x" * 50, "b": 1}
    for after in ({"b": 2, "a": "x" * 50}, {"a": "x" * 50, "b": 2, "c.d": 1}):
        assert updates(before, after) == ({"f": {"$literal": after}}, [])
    dotted = {"a.b": "x" * 50, "c": 1}
    assert updates(dotted, dotted | {"c": 2})[0] == {"f": {"$literal": dotted | {"c": 2}}}
    dollar = {"$a": "x" * 50, "c": 1}
    assert updates(dollar, dollar | {"c": 2})[0] == {"f": {"$literal": dollar | {"c": 2}}}


def test_a_document_in_a_list_is_not_entered_by_a_path() -> None:
    before = [{"a": "x" * 50, "b": 1}]
    after = [{"a": "x" * 50, "b": 2}]

    assert updates(before, after) == ({"f": {"$literal": after}}, [])


def test_removed_keys_are_unset_after_the_fields_are_set() -> None:
    before = {"d": {"keep": "x" * 50, "gone": 1}}
    stages = save_pipeline(
        {"d": {"keep": "x" * 50}},
        applied=None,
        window=200,
        entries=[],
        lease={},
        published=[],
        stored=before,
    )

    assert stages == [{"$set": {"version": {"$add": ["$version", 1]}}}, {"$unset": ["d.gone"]}]


def test_without_what_is_stored_every_field_is_sent_whole() -> None:
    stages = save_pipeline(
        {"f": entries(*"ab")}, applied=None, window=200, entries=[], lease={}, published=[]
    )

    assert stages == [
        {"$set": {"f": {"$literal": entries(*"ab")}, "version": {"$add": ["$version", 1]}}}
    ]


def test_only_what_could_be_read_as_an_expression_is_sent_as_a_literal() -> None:
    for bare in (None, True, 0, 1.5, Decimal("1.50"), "text", ""):
        assert constant(bare) is bare
    for wrapped in ("$path", {"a": 1}, [1], [{"$a": 1}]):
        assert constant(wrapped) == {"$literal": wrapped}


def test_a_known_version_and_inbox_are_sent_as_the_next_version_and_one_new_id() -> None:
    def sent(held: list[str], window: int) -> dict[str, Any]:
        stored = {"applied_messages": held}
        stages = save_pipeline(
            {},
            applied="m",
            window=window,
            entries=[],
            lease={},
            published=[],
            stored=stored,
            version=4,
        )
        fields: dict[str, Any] = stages[0]["$set"]
        return fields

    assert sent(["a"], 2) == {
        "version": 5,
        "applied_messages": {"$concatArrays": ["$applied_messages", ["m"]]},
    }
    assert sent(["a", "b"], 2)["applied_messages"] == {
        "$slice": [{"$concatArrays": ["$applied_messages", ["m"]]}, -2]
    }
