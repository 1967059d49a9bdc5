"""Storing a document checks each of its values once, not once per enclosing document.

Why: the SQLite engine stores a document as ``json_dumps_compact(DocumentCodec.encode(doc))``
(``SQLiteEngine._serialize_document``, for each written document and again for each change
recorded in the change outbox). ``DocumentCodec.encode`` (``core/codec.py``) first runs
``validate_bson_value`` over a document's whole subtree and then encodes each field, and the
encoding of each embedded document runs it over that subtree again: a value at depth ``d`` is
checked ``d + 1`` times. The services' documents nest their outbox entries, answers and lines
three to five levels deep: about 5 % of the server's CPU under the development load.

What: while ``_serialize_document`` runs, or ``DocumentCodec.to_internal`` (the same encoding,
applied to each command's documents, filters and updates as they arrive), ``validate_bson_value``
as ``codec.py`` calls it skips a value it has already checked during that call (the same
object), and checks any other value as released, remembering what it checked. Outside those
two every call runs as released.

Why exact: ``validate_bson_value`` only reads: it raises for a non-string key, a set or an
out-of-range number, and otherwise has no effect. A value already checked in the same
serialization passed, so checking it again cannot raise; skipping it leaves the first failing
value of any later check, and so the error raised, unchanged, because the traversal below is
mongoeco's own (same stack order, same checks, read against 4.11.0's
``core/bson_scalars.py``). Values are known by identity, and every value checked stays
referenced until the serialization ends, so an identity cannot be reused for another value.

Drop once mongoeco validates each document once per encoding upstream.
"""

from __future__ import annotations

import datetime
import functools
import threading
from collections.abc import Callable
from typing import Any

_MARK = "__oms_single_validation__"
_local = threading.local()


def install() -> None:
    """Check each value once per serialization (idempotent)."""
    from mongoeco.core import bson_scalars, codec
    from mongoeco.engines.sqlite import SQLiteEngine

    if isinstance(getattr(vars(codec)["validate_bson_value"], "__self__", None), _Checks):
        return
    checks = _Checks(
        bson_scalars.validate_bson_value,
        bson_scalars.wrap_bson_numeric,
        bson_scalars.BsonDecimal128,
        bson_scalars._normalize_decimal128,
        check_int=int64_check(bson_scalars),
    )
    to_internal = staticmethod(_remembering(codec.DocumentCodec.to_internal))
    replacements: list[tuple[object, str, object]] = [
        (codec, "validate_bson_value", checks.validate),
        (SQLiteEngine, "_serialize_document", _remembering(SQLiteEngine._serialize_document)),
        (codec.DocumentCodec, "to_internal", to_internal),
    ]
    for owner, name, replacement in replacements:
        setattr(owner, name, replacement)


_PASSES = frozenset({str, bytes, bool, float, type(None), datetime.datetime})
"""Types for which ``wrap_bson_numeric`` returns ``None`` (or, for a float, a ``BsonDouble``,
which checks nothing), so the released check does nothing with them: no wrapper is built.
An ``int`` only has its range checked (:func:`int64_check`)."""


def int64_check(bson_scalars: Any) -> Callable[[int], None]:
    """The check ``wrap_bson_numeric`` makes of an ``int`` before it builds a ``BsonInt32`` or
    ``BsonInt64`` (whose own checks cannot fail for a value in range), without building
    either: the same error, with the same message, for a value outside the int64 range."""
    low, high = bson_scalars.INT64_MIN, bson_scalars.INT64_MAX
    overflow = bson_scalars.BsonScalarOverflowError

    def check(value: int) -> None:
        if not low <= value <= high:
            raise overflow("integer exceeds BSON int64 range")

    return check


class _Checks:
    def __init__(
        self,
        released: Callable[[object], None],
        wrap_numeric: Callable[[object], object],
        decimal128: type,
        normalize_decimal128: Callable[[Any], object],
        *,
        check_int: Callable[[int], None],
    ) -> None:
        self._check_int = check_int
        self._released = released
        self._wrap_numeric = wrap_numeric
        self._decimal128 = decimal128
        self._normalize_decimal128 = normalize_decimal128

    def validate(self, value: object) -> None:
        checked: dict[int, object] | None = getattr(_local, "checked", None)
        if checked is None:
            self._released(value)
            return
        if id(value) in checked:
            return
        try:
            self._check(value, checked)
        except BaseException:
            checked.clear()  # what was noted in a failed check is not known to be valid
            raise

    def _check(self, value: object, checked: dict[int, object]) -> None:
        # mongoeco 4.11.0's validate_bson_value, skipping what this serialization checked.
        pending = [value]
        while pending:
            current = pending.pop()
            if id(current) in checked:
                continue
            if isinstance(current, dict):
                for key in current:
                    if not isinstance(key, str):
                        raise TypeError("BSON document keys must be strings")
                pending.extend(current.values())
            elif isinstance(current, (list, tuple)):
                pending.extend(current)
            elif isinstance(current, (set, frozenset)):
                raise TypeError("set values are not BSON-serializable")
            elif type(current) in _PASSES:
                pass  # wrap_bson_numeric: None, or a BsonDouble, which cannot fail
            elif type(current) is int:
                self._check_int(current)
            else:
                wrapped = self._wrap_numeric(current)
                if isinstance(wrapped, self._decimal128):
                    self._normalize_decimal128(wrapped.value)  # type: ignore[attr-defined]
            checked[id(current)] = current


def _remembering(convert: Callable[..., Any]) -> Callable[..., Any]:
    """``convert`` (one serialization, or one conversion of a command's input) with the values
    it checks remembered until it returns."""

    @functools.wraps(convert)
    def remembering(*args: Any) -> Any:
        if getattr(_local, "checked", None) is not None:
            return convert(*args)
        _local.checked = {}
        try:
            return convert(*args)
        finally:
            _local.checked = None

    setattr(remembering, _MARK, True)
    return remembering
