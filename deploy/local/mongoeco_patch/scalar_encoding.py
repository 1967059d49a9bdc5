"""A plain string, number, boolean or null is encoded without walking every BSON type.

Why: ``DocumentCodec.encode`` (``core/codec.py``) stores every document and converts every
command's input. For each value it checks, one ``isinstance`` after another, some thirty BSON
types (dates, decimals, ids, binaries, regexes, timestamps, codes, references, wrappers...)
before it returns a plain scalar unchanged, and validates it on the way. Most values of the
services' documents are such scalars (names, ids, statuses, flags, counts): the encoder's own
time was about 9 % of the embedded server's Python time under the development load.

What: ``DocumentCodec.encode`` returns a value whose type is exactly ``str``, ``float``,
``bool`` or ``NoneType`` as it is, and an exact ``int`` as it is after the int64 range check
that validation makes; every other value (subclasses included) is encoded as released.

Why exact: for those exact types no branch of the released encoder matches (none of the types
it tests is, or is a base of, ``str``, ``float``, ``bool``, ``int`` or ``NoneType``; ``bson``'s
``Int64`` and ``Code`` are subclasses, which this leaves to the released encoder), so it returns
the value unchanged; and its validation (``validate_bson_value``) can only fail for such a
value when an integer is outside the int64 range, with the ``BsonScalarOverflowError`` raised
here, with the same message (``single_validation.int64_check``, shared with that check).

Drop once mongoeco encodes plain scalars on a fast path upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from deploy.local.mongoeco_patch.single_validation import int64_check

_MARK = "__oms_scalar_encoding__"
_PLAIN = frozenset({str, float, bool, type(None)})


def install() -> None:
    """Encode exact plain scalars without the type walk (idempotent)."""
    from mongoeco.core import bson_scalars
    from mongoeco.core.codec import DocumentCodec

    original = DocumentCodec.encode
    if getattr(original, _MARK, False):
        return
    encode = _plain_first(original, int64_check(bson_scalars))
    setattr(DocumentCodec, "encode", staticmethod(encode))  # noqa: B010 - a staticmethod object


def _plain_first(
    original: Callable[[Any], Any], check_int: Callable[[int], None]
) -> Callable[[Any], Any]:
    @functools.wraps(original)
    def encode(data: Any) -> Any:
        kind = type(data)
        if kind in _PLAIN:
            return data
        if kind is int:
            check_int(data)
            return data
        return original(data)

    setattr(encode, _MARK, True)
    return encode
