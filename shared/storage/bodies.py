"""How an outbox entry is stored: small, and read back exactly.

An entry keeps in the open only what the database itself looks at: its ``message_id`` (the
writes that remove published entries filter on it), ``created_at`` (the outbox metrics read it)
and, for a command's first answer, ``answer_to``. Everything else (exchange, routing key, type,
correlation id, reply-to, trace context and the body, the exact JSON the broker will carry) is
``packed``: one version byte, then those fields as a JSON line followed by the body, compressed
with zlib against a preset dictionary of the events' own keys and typical values
(``outbox_dictionary_v<version>.txt``). Events carry an order's lines and pricing; packed, an
entry is about a sixth of its fields' size (BENCHMARKS.md, issue 27).

From version 2 the dictionary ends with the start of the entry's own body,
``{"message_id":"<its message_id>","occurred_at":"``: the id, random and 36 characters, is
then a reference to the dictionary rather than 36 characters compressed on their own, and it
is in the open beside ``packed`` to read it back. Version 2 also compresses at zlib's level 9
(an entry is compressed once, by the process that stores it) and its dictionary adds the
billing events a sales order brings (invoice issued, journal entry posted, posting held):
about 30 % smaller packed entries than version 1 on the sales-order flow (BENCHMARKS.md,
issue 27, eleventh pass).

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

VERSION = 2
"""The dictionary (and way) new entries are packed with."""
LEVEL = 9
"""zlib's compression level for new entries."""
PACKED = ("exchange", "routing_key", "type", "correlation_id", "reply_to", "trace")
"""The fields packed beside the body."""


@cache
def _dictionary(version: int) -> bytes:
    return Path(__file__).with_name(f"outbox_dictionary_v{version}.txt").read_bytes()


def _zdict(version: int, message_id: str) -> bytes:
    """The preset dictionary of an entry packed with ``version``."""
    if version == 1:
        return _dictionary(1)
    return _dictionary(version) + f'{{"message_id":"{message_id}","occurred_at":"'.encode()


def pack(fields: Document, body: str, message_id: str) -> bytes:
    """``fields`` (those named in ``PACKED``) and ``body``, as stored beside ``message_id``
    (the entry's, in the open)."""
    line = json.dumps({name: fields.get(name) for name in PACKED}, separators=(",", ":"))
    compressor = zlib.compressobj(LEVEL, zdict=_zdict(VERSION, message_id))
    packed = compressor.compress(f"{line}\n{body}".encode()) + compressor.flush()
    return bytes([VERSION]) + packed


def unpacked(entry: Document) -> Document:
    """An entry as it was made: every field in the open, ``body`` the exact JSON (bytes)."""
    packed = entry.get("packed")
    if packed is None:  # stored before packing: the body as text
        return {**entry, "body": entry["body"].encode()}
    decompressor = zlib.decompressobj(zdict=_zdict(packed[0], entry["message_id"]))
    raw = decompressor.decompress(packed[1:]) + decompressor.flush()
    line, _, body = raw.partition(b"\n")
    fields: dict[str, Any] = json.loads(line)
    return {
        **{name: value for name, value in entry.items() if name != "packed"},
        **fields,
        "body": body,
    }
