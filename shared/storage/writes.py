"""The one conditional write that saves an aggregate, as an update pipeline.

It sets the new state, bumps the version, remembers the applied message, appends the new
outbox entries, and in the same write removes entries already published (which would otherwise
cost a write of their own): a pipeline can both remove from and append to the outbox.
Every value is wrapped in ``$literal``, so that text starting with ``$`` stays text.

What is sent is kept small, because every byte is sent, parsed and copied by the database:

- a list that only grew since the aggregate was read (a history, a timeline) is sent as its new
  items, appended on the server, not whole;
- the answer to a command is not sent twice: its first event is marked in the outbox
  (``answer_to``: the command's message id), and the write that removes it once published
  moves it, on the server, among the document's last ``ANSWER_WINDOW`` answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.storage.mongo import Document

APPLIED_WINDOW = 200
"""How many recent message ids an aggregate remembers; far more than redeliveries ever lag."""
ANSWER_WINDOW = 10
"""How many recent commands' answers an aggregate keeps, to answer a resent command again.
A command resent after that, while its id is still among the ``APPLIED_WINDOW`` remembered,
is answered ``already_applied`` instead: never silence (README, "Sent again")."""
ANSWER_TO = "answer_to"
"""The outbox entry field naming the command the entry answers."""


def literal(value: Any) -> Document:
    """``value`` as it is, in an aggregation expression (text starting with ``$`` stays text)."""
    return {"$literal": value}


def _outbox_entries(ids: Sequence[str], *, among: bool) -> Document:
    """The outbox entries whose message ids are (``among``) or are not among ``ids``."""
    position = {"$indexOfArray": [literal(list(ids)), "$$this.message_id"]}
    test = "$ne" if among else "$eq"
    return {"$filter": {"input": {"$ifNull": ["$outbox", []]}, "cond": {test: [position, -1]}}}


def kept_entries(published: Sequence[str]) -> Document:
    """The outbox without the entries whose message ids are ``published``."""
    return _outbox_entries(published, among=False)


def kept_answers(answering: Sequence[str]) -> Document:
    """The document's answers with the outbox entries ``answering`` added (published entries
    that answer a command, which the write removes from the outbox): the last
    ``ANSWER_WINDOW``."""
    moved = _outbox_entries(answering, among=True)
    return {"$slice": [{"$concatArrays": [{"$ifNull": ["$answers", []]}, moved]}, -ANSWER_WINDOW]}


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
    answering: Sequence[str] = (),
    appended: Mapping[str, list[Any]] | None = None,
) -> list[Document]:
    """``state``: the fields to set; ``appended``: of those, the lists whose new items are
    enough (they extend what is stored)."""
    tails = appended or {}
    fields: Document = {
        name: (
            {"$concatArrays": [{"$ifNull": [f"${name}", []]}, literal(tails[name])]}
            if name in tails
            else literal(value)
        )
        for name, value in state.items()
    }
    fields["version"] = {"$add": ["$version", 1]}
    if applied is not None:
        fields["applied_messages"] = _appended("applied_messages", applied, window)
    if entries or published:
        outbox = kept_entries(published) if published else {"$ifNull": ["$outbox", []]}
        # Nothing new: what is kept is the outbox (no empty list appended to send).
        fields["outbox"] = {"$concatArrays": [outbox, literal(entries)]} if entries else outbox
    if entries:
        fields["outbox_lease"] = literal(lease)
        fields["outbox_pending"] = True
    stages: list[Document] = []
    if answering:  # answers kept from the old outbox, before the next stage removes them
        stages.append({"$set": {"answers": kept_answers(answering)}})
    stages.append({"$set": fields})
    if published and not entries:
        stages.append(PENDING_WHILE_ENTRIES_LEFT)
    return stages


def _appended(field: str, value: Any, window: int) -> Document:
    """The array ``field`` with ``value`` appended, keeping the last ``window`` items."""
    return {
        "$slice": [{"$concatArrays": [{"$ifNull": [f"${field}", []]}, literal([value])]}, -window]
    }


def forget_pipeline(published: Sequence[str], answering: Sequence[str] = ()) -> list[Document]:
    """Remove published entries from a document (keeping those ``answering`` a command among
    its answers), nothing else."""
    keep = [{"$set": {"answers": kept_answers(answering)}}] if answering else []
    return [*keep, {"$set": {"outbox": kept_entries(published)}}, PENDING_WHILE_ENTRIES_LEFT]
