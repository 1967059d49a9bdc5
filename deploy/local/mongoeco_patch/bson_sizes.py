"""A decimal (and a 32-bit, 64-bit or double number kept with its BSON type) has a BSON size.

Why: mongoeco computes BSON sizes (``$bsonSize``, and from it ``listDatabases``, ``dbStats``
and ``collStats``) with ``core/aggregation/runtime._bson_value_size``, which knows no
``Decimal128`` nor the wrappers that keep a number's BSON type (``BsonInt32``, ``BsonInt64``,
``BsonDouble``, ``BsonDecimal128``) and fails with "$bsonSize cannot encode value of type
Decimal128". The services store money as decimals, so against the database ``make run``
starts, listing the databases (``mongosh``'s ``show dbs``, PyMongo's
``list_database_names()``) and every statistics command failed.

What: those values are sized as BSON stores them: a decimal 16 bytes, a 64-bit integer or a
double 8, a 32-bit integer 4, a ``MinKey`` or ``MaxKey`` 0; every other value is sized as
released.

Why exact: these are the BSON specification's fixed sizes for those types (what
``bson.encode`` writes for them, which the tests compare with); for no value of these types
did the released function return a size (it raised), so no size it gave changes.

Drop once mongoeco sizes decimals and its numeric wrappers upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_MARK = "__oms_bson_sizes__"


def install() -> None:
    """Size decimals and typed numbers as BSON stores them (idempotent)."""
    import bson
    from mongoeco._types._bson_values import Decimal128
    from mongoeco.core import bson_scalars
    from mongoeco.core.aggregation import runtime

    original = runtime._bson_value_size
    if getattr(original, _MARK, False):
        return
    fixed: tuple[tuple[tuple[type, ...], int], ...] = (
        ((Decimal128, bson.Decimal128, bson_scalars.BsonDecimal128), 16),
        ((bson_scalars.BsonInt64, bson_scalars.BsonDouble), 8),
        ((bson_scalars.BsonInt32,), 4),
        ((bson.MinKey, bson.MaxKey), 0),
    )
    setattr(runtime, "_bson_value_size", _sizing(original, fixed))  # noqa: B010


def _sizing(
    original: Callable[[Any], int], fixed: tuple[tuple[tuple[type, ...], int], ...]
) -> Callable[[Any], int]:
    @functools.wraps(original)
    def bson_value_size(value: Any) -> int:
        for types, size in fixed:
            if isinstance(value, types):
                return size
        return original(value)

    setattr(bson_value_size, _MARK, True)
    return bson_value_size
