"""The one conditional write that saves an aggregate, as an update pipeline.

It sets the new state, bumps the version, remembers the applied message, appends the new
outbox entries, and in the same write removes entries already published (which would otherwise
cost a write of their own): a pipeline can both remove from and append to the outbox.
Every value is wrapped in ``$literal``, so that text starting with ``$`` stays text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.storage.mongo import Document


def _literal(value: Any) -> Document:
    return {"$literal": value}


def kept_entries(published: Sequence[str]) -> Document:
    """The outbox without the entries whose message ids are ``published``."""
    return {
        "$filter": {
            "input": {"$ifNull": ["$outbox", []]},
            "cond": {
                "$eq": [{"$indexOfArray": [_literal(list(published)), "$$this.message_id"]}, -1]
            },
        }
    }


PENDING_WHILE_ENTRIES_LEFT: Document = {
    "$set": {"outbox_pending": {"$cond": [{"$gt": [{"$size": "$outbox"}, 0]}, True, "$$REMOVE"]}}
}
"""The pending marker stays only while entries are left (a writer may have added some)."""


def save_pipeline(
    state: Document,
    *,
    applied: str | None,
    window: int,
    entries: list[Document],
    lease: Document,
    published: Sequence[str],
    answer: Document | None = None,
    answers_window: int = 10,
) -> list[Document]:
    fields: Document = {name: _literal(value) for name, value in state.items()}
    fields["version"] = {"$add": ["$version", 1]}
    if applied is not None:
        fields["applied_messages"] = _appended("applied_messages", applied, window)
    if answer is not None:
        fields["answers"] = _appended("answers", answer, answers_window)
    if entries or published:
        outbox = kept_entries(published) if published else {"$ifNull": ["$outbox", []]}
        fields["outbox"] = {"$concatArrays": [outbox, _literal(entries)]}
    if entries:
        fields["outbox_lease"] = _literal(lease)
        fields["outbox_pending"] = True
    stages = [{"$set": fields}]
    if published and not entries:
        stages.append(PENDING_WHILE_ENTRIES_LEFT)
    return stages


def _appended(field: str, value: Any, window: int) -> Document:
    """The array ``field`` with ``value`` appended, keeping the last ``window`` items."""
    return {
        "$slice": [{"$concatArrays": [{"$ifNull": [f"${field}", []]}, _literal([value])]}, -window]
    }


def forget_pipeline(published: Sequence[str]) -> list[Document]:
    """Remove published entries from a document, nothing else."""
    return [{"$set": {"outbox": kept_entries(published)}}, PENDING_WHILE_ENTRIES_LEFT]
