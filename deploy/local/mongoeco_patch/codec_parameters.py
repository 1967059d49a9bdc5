"""Whether the codec's decoder takes ``preserve_bson_wrappers`` is asked once, not per document
read.

Why: ``SQLiteEngine._decode_codec_payload`` (``engines/sqlite.py``), which every stored
document holding a tagged value (a date, a decimal) goes through when it is read, calls
``inspect.signature`` on the codec's ``decode`` each time to learn whether it accepts
``preserve_bson_wrappers``. Building a signature is slow: a quarter of the time of reading a
document back, about 2 % of the server's Python time under the development load.

What: the answer is kept per decoding function (the function itself, or the function of a
bound method); the decoder is then called exactly as the released code calls it.

Why exact: a function's parameters do not change after it is defined, so the answer for a
function is the same on every call; a different decoder (another codec) is another key and is
asked once itself. When asking fails (``TypeError``, ``ValueError``), the released code's
fallback (no such parameter) is kept as the answer, as it would be found again each time.

Drop once mongoeco asks once upstream.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

_MARK = "__oms_codec_parameters__"


def install() -> None:
    """Ask each decoder for its parameters once (idempotent)."""
    from mongoeco.engines.sqlite import SQLiteEngine

    original = SQLiteEngine._decode_codec_payload
    if getattr(original, _MARK, False):
        return
    setattr(SQLiteEngine, "_decode_codec_payload", _asking_once(original))  # noqa: B010


@functools.cache
def _takes_preserve(function: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "preserve_bson_wrappers" in parameters


def _asking_once(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def decode_codec_payload(self: Any, payload: object, *, preserve_bson_wrappers: bool) -> Any:
        decode = self._codec.decode
        if not _takes_preserve(getattr(decode, "__func__", decode)):
            return decode(payload)
        return decode(payload, preserve_bson_wrappers=preserve_bson_wrappers)

    setattr(decode_codec_payload, _MARK, True)
    return decode_codec_payload
