"""A document is deep-copied as the tree of dicts, lists and immutable values it is.

Why: mongoeco deep-copies a document many times per write with ``copy.deepcopy``: the SQLite
engine's single-document update copies the stored document before changing it, an update
pipeline copies it twice more and each ``$set`` stage once more, the outcome's images are
copied, and so is the change recorded for change streams. ``copy.deepcopy`` keeps a memo of
every object it meets and dispatches per type; for an immutable value without a copier of its
own (a date, or one of mongoeco's frozen BSON values such as its ``Decimal128``) it even builds
an equal new object through ``__reduce_ex__``. The services' documents carry their outbox,
answers and lines, each with dates and decimals: about 16 % of the server's CPU under the
development load went to these copies, a third of it rebuilding immutable scalars.

What: each mongoeco module that imported ``copy.deepcopy`` as ``deepcopy`` gets
:func:`plain_deepcopy` in its place (and ``owned_images`` uses it for the copies it keeps). It
copies a ``dict`` or ``list`` (exactly those types, not subclasses) by building a new one of the
same type with each value copied the same way, returns a value of an immutable type
(:data:`IMMUTABLE`) as it is, and hands everything else, and every call given a memo, to
``copy.deepcopy`` as released.

Why exact: the result holds equal values in the same structure and order, and shares nothing
mutable with the original, as ``copy.deepcopy``'s does. ``copy.deepcopy`` itself returns
``str``, ``bytes``, numbers, ``bool`` and ``None`` as they are; the other immutable types
listed (dates, ``Decimal``, ``UUID``, object ids, and mongoeco's frozen BSON values, its
``Decimal128``, ``Timestamp`` and ``Regex`` and the numeric wrappers, whose fields are immutable
too) are values that no code can change in place, so the original serves as well
as a rebuilt equal one. Two differences, neither reachable from a BSON document: an object
that appears twice in one tree is copied twice (``copy.deepcopy`` keeps the sharing; BSON
has no sharing: every decoded or encoded document is a tree), and a tree that contains itself
recurses until ``RecursionError`` (BSON cannot hold a cycle; encoding one fails as well).

Drop once mongoeco copies documents without ``copy.deepcopy`` upstream.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import sys
import uuid
from typing import Any

_MARK = "__oms_plain_copies__"


def _immutable_types() -> frozenset[type]:
    from bson import Decimal128, Int64, ObjectId, Timestamp
    from mongoeco._types import _bson_values as eco
    from mongoeco._types._bson_objectid import ObjectId as EcoObjectId
    from mongoeco.core import bson_scalars

    return frozenset(
        {
            str,
            bytes,
            int,
            float,
            complex,
            bool,
            type(None),
            datetime.datetime,
            datetime.date,
            datetime.timedelta,
            decimal.Decimal,
            uuid.UUID,
            ObjectId,
            EcoObjectId,
            eco.Decimal128,
            eco.Timestamp,
            eco.Regex,
            Decimal128,
            Int64,
            Timestamp,
            bson_scalars.BsonInt32,
            bson_scalars.BsonInt64,
            bson_scalars.BsonDouble,
            bson_scalars.BsonDecimal128,
        }
    )


IMMUTABLE: frozenset[type] = frozenset()
"""Types whose values are returned as they are (filled by :func:`install`)."""


def plain_deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """``copy.deepcopy`` for a tree of dicts, lists and immutable values."""
    if memo is not None:
        return copy.deepcopy(value, memo)
    return _copied(value)


def _copied(value: Any) -> Any:
    kind = type(value)
    if kind in IMMUTABLE:
        return value
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    return copy.deepcopy(value)


setattr(plain_deepcopy, _MARK, True)


def install() -> None:
    """Put :func:`plain_deepcopy` in every loaded mongoeco module's ``deepcopy`` (idempotent)."""
    global IMMUTABLE  # noqa: PLW0603 - filled once, after mongoeco can be imported
    # The modules whose copies run per write; importing them makes sure they are patched.
    from mongoeco.api._async import _collection_insert, _collection_modify, collection  # noqa: F401
    from mongoeco.core import operators  # noqa: F401
    from mongoeco.core.aggregation import runtime, transform_stages  # noqa: F401
    from mongoeco.engines import _sqlite_modify_ops, sqlite  # noqa: F401

    if not IMMUTABLE:
        IMMUTABLE = _immutable_types()
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("mongoeco."):
            continue
        if vars(module).get("deepcopy") is copy.deepcopy:
            module.deepcopy = plain_deepcopy  # type: ignore[attr-defined]
