"""How an outbox entry is stored: small, and read back exactly.

An entry keeps in the open only what the database itself looks at: its ``message_id`` (the
writes that remove published entries filter on it), ``created_at`` (the outbox metrics read it)
and, for a command's first answer, ``answer_to``. Everything else (exchange, routing key, type,
correlation id, reply-to, trace context and the body, the exact JSON the broker will carry) is
``packed``: one version byte, then those fields as a JSON line followed by the body, compressed
with zlib against a preset dictionary of the events' own keys and typical values
(``outbox_dictionary_v<version>.txt``). Events carry an order's lines and pricing; packed, an
entry is about a sixth of its fields' size (BENCHMARKS.md, issue 27).

A dictionary is never edited once used: stored entries name it by its version. A new one gets
the next version, and the old stays readable. Entries stored before packing (their fields in
the open, the body as text) are read as they are.
"""

from __future__ import annotations

import json
import zlib
from functools import cache
from pathlib import Path
from typing import Any

from shared.storage.mongo import Document

VERSION = 1
"""The dictionary new entries are packed with."""
PACKED = ("exchange", "routing_key", "type", "correlation_id", "reply_to", "trace")
"""The fields packed beside the body."""


@cache
def _dictionary(version: int) -> bytes:
    return Path(__file__).with_name(f"outbox_dictionary_v{version}.txt").read_bytes()


def pack(fields: Document, body: str) -> bytes:
    """``fields`` (those named in ``PACKED``) and ``body``, as stored."""
    line = json.dumps({name: fields.get(name) for name in PACKED}, separators=(",", ":"))
    compressor = zlib.compressobj(1, zdict=_dictionary(VERSION))
    packed = compressor.compress(f"{line}\n{body}".encode()) + compressor.flush()
    return bytes([VERSION]) + packed


def unpacked(entry: Document) -> Document:
    """An entry as it was made: every field in the open, ``body`` the exact JSON (bytes)."""
    packed = entry.get("packed")
    if packed is None:  # stored before packing: the body as text
        return {**entry, "body": entry["body"].encode()}
    decompressor = zlib.decompressobj(zdict=_dictionary(packed[0]))
    raw = decompressor.decompress(packed[1:]) + decompressor.flush()
    line, _, body = raw.partition(b"\n")
    fields: dict[str, Any] = json.loads(line)
    return {
        **{name: value for name, value in entry.items() if name != "packed"},
        **fields,
        "body": body,
    }
