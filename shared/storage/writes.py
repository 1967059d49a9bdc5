"""The one conditional write that saves an aggregate, as an update pipeline.

It sets the new state, bumps the version, remembers the applied message, appends the new
outbox entries, and in the same write removes entries already published (which would otherwise
cost a write of their own): a pipeline can both remove from and append to the outbox.
Every value that an aggregation expression could read as one (text starting with ``$``, a
document, a list) is wrapped in ``$literal``; numbers, times and other text are sent as they are.

What is sent is kept small, because every byte is sent, parsed and copied by the database:

- a changed field is sent as what changed in it, when that is smaller than the field
  (:func:`field_updates`): a list as the runs of the stored list it keeps around its new items
  (a history that grew, a map entry released, a window that slid), a document as its changed
  keys, by dotted paths;
- the answer to a command is not sent twice: its first event is marked in the outbox
  (``answer_to``: the command's message id), and the write that removes it once published
  moves it, on the server, among the document's last ``ANSWER_WINDOW`` answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import bson

from shared.storage.mongo import CODEC_OPTIONS, Document

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


def constant(value: Any) -> Any:
    """``value`` as it is, in an aggregation expression, in as few bytes: bare when nothing in
    it can be read as an expression (a number, a time, text not starting with ``$``)."""
    if value is None or isinstance(value, bool | int | float | Decimal | datetime):
        return value
    if isinstance(value, str) and not value.startswith("$"):
        return value
    return literal(value)


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
    applied: str | Sequence[str] | None,
    window: int,
    entries: list[Document],
    lease: Document,
    published: Sequence[str],
    answering: Sequence[str] = (),
    stored: Mapping[str, Any] | None = None,
    version: int | None = None,
) -> list[Document]:
    """``state``: the fields to set; ``applied``: the key (or keys, for changes written
    together) remembered as applied; ``stored``: the document the write is conditional on (its
    ``version``), when known: the fields are then sent as what changed in them."""
    fields: Document = {}
    removed: list[str] = []
    for name, value in state.items():
        if stored is not None and name in stored:
            fields.update(field_updates(name, stored[name], value, removed))
        else:
            fields[name] = constant(value)
    fields["version"] = {"$add": ["$version", 1]} if version is None else version + 1
    keys = [applied] if isinstance(applied, str) else list(applied or ())
    if keys:
        held = (stored or {}).get("applied_messages")
        fields["applied_messages"] = _appended(
            "applied_messages", keys, window, held if isinstance(held, list) else None
        )
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
    if removed:
        stages.append({"$unset": removed})
    if published and not entries:
        stages.append(PENDING_WHILE_ENTRIES_LEFT)
    return stages


def _appended(
    field: str, values: Sequence[Any], window: int, held: list[Any] | None = None
) -> Document:
    """The array ``field`` with ``values`` appended, keeping the last ``window`` items; ``held``:
    the array stored, when known (then it is there, and cut only when it is full)."""
    new = [constant(value) for value in values]
    if held is None:
        return {"$slice": [{"$concatArrays": [{"$ifNull": [f"${field}", []]}, new]}, -window]}
    grown = {"$concatArrays": [f"${field}", new]}
    return grown if len(held) + len(new) <= window else {"$slice": [grown, -window]}


def forget_pipeline(published: Sequence[str], answering: Sequence[str] = ()) -> list[Document]:
    """Remove published entries from a document (keeping those ``answering`` a command among
    its answers), nothing else."""
    keep = [{"$set": {"answers": kept_answers(answering)}}] if answering else []
    return [*keep, {"$set": {"outbox": kept_entries(published)}}, PENDING_WHILE_ENTRIES_LEFT]


LOOKAHEAD = 16
"""How far in the stored list an item is looked for (past items dropped before it): a released
entry or a slid window is found at once, and a list rewritten costs no more than this per item."""


def field_updates(path: str, before: Any, after: Any, removed: list[str]) -> Document:
    """The ``$set`` entries that make ``path``, which holds ``before`` (the write is conditional
    on the version that holds it), hold ``after``: the value whole, or what changed in it when
    that is smaller. Keys a document lost are added to ``removed`` (for an ``$unset`` stage).

    Only a stored document is entered by a dotted path (on an array, a dotted path would set
    the key in every element); a document is entered only when its keys stay in the order a
    whole write would store them in, and all of them can be paths."""
    whole: Document = {path: constant(after)}
    if isinstance(before, list) and isinstance(after, list):
        if (spliced := _spliced(path, before, after)) is None:
            return whole
        parts: Document = {path: spliced}
        gone: list[str] = []
    elif isinstance(before, dict) and isinstance(after, dict) and _enterable(before, after):
        parts, gone = {}, [f"{path}.{key}" for key in before if key not in after]
        for key, value in after.items():
            if key not in before or not same_value(before[key], value):
                parts.update(field_updates(f"{path}.{key}", before.get(key), value, gone))
    else:
        return whole
    if _size(parts) + sum(len(name) + 8 for name in gone) >= _size(whole):
        return whole
    removed += gone
    return parts


def _enterable(before: Document, after: Document) -> bool:
    names = [*before, *after]
    if not after or not all(_path_part(k) for k in names):
        return False
    # Kept keys stay where they are, new ones go last: as the whole document would have them.
    return list(after) == [k for k in before if k in after] + [k for k in after if k not in before]


def _path_part(key: object) -> bool:
    """Whether ``key`` names itself in a dotted path (no ``.``, no leading ``$``, and not a
    number, which an update could read as an array position)."""
    return (
        isinstance(key, str)
        and key != ""
        and "." not in key
        and key[0] != "$"
        and not key.isdigit()
    )


def _spliced(path: str, before: list[Any], after: list[Any]) -> Document | None:
    """``after`` as the runs of ``before`` it keeps, in order, and its new items; ``None``
    when it keeps none."""
    runs: list[tuple[int, int] | list[Any]] = []  # (start, count) of ``before``, or new items
    start = 0
    for item in after:
        ahead = range(start, min(start + LOOKAHEAD, len(before)))
        at = next((i for i in ahead if same_value(before[i], item)), None)
        last = runs[-1] if runs else None
        if at is None:
            if isinstance(last, list):
                last.append(item)
            else:
                runs.append([item])
            continue
        if isinstance(last, tuple) and sum(last) == at:
            runs[-1] = (last[0], last[1] + 1)
        else:
            runs.append((at, 1))
        start = at + 1
    if not any(isinstance(run, tuple) for run in runs):
        return None
    parts = [_run(path, run, len(before)) for run in runs]
    return parts[0] if len(parts) == 1 else {"$concatArrays": parts}


def _run(path: str, run: tuple[int, int] | list[Any], stored: int) -> Any:
    if isinstance(run, list):
        return literal(run)
    first, count = run
    if count == stored:
        return f"${path}"
    if first == 0:
        return {"$slice": [f"${path}", count]}
    return {"$slice": [f"${path}", first, count]}


def _size(fields: Document) -> int:
    return len(bson.encode(fields, codec_options=CODEC_OPTIONS))


def same_value(a: Any, b: Any) -> bool:
    """Whether two stored values are the same, stored: of one type (text and its enums alike),
    lists and documents item by item and in order, decimals digit for digit (``1.0`` is not
    ``1.00``), ``1`` not ``1.0`` nor ``True``. Uncertain means different: the field is
    written."""
    if a is b:
        # One object: stored alike. A state made from the stored document shares its values
        # (the model keeps them as validated, and dumps them as kept), so most fields end here.
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[key], b[key]) for key in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(_exact(a) == _exact(b))


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.as_tuple()  # digits and exponent
    if isinstance(value, datetime):
        # Stored to the millisecond: a time read back is the same as the one written.
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, float):
        return repr(value)  # -0.0 and 0.0 differ, NaN is NaN
    return value
