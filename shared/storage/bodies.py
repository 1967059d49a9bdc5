"""How an outbox entry's body is stored: the exact JSON the broker will carry, compressed when
it is long."""

from __future__ import annotations

import zlib

from shared.storage.mongo import Document

COMPRESS_FROM_BYTES = 200
"""Bodies this long or longer are stored compressed (zlib): events carry an order's lines and
pricing, and every byte of an outbox entry is sent to the database, parsed and copied there."""


def stored_body(body: str) -> str | bytes:
    """An entry's body as stored: the exact JSON text, or (from ``COMPRESS_FROM_BYTES``) its
    UTF-8 bytes compressed with zlib, stored as BSON binary."""
    raw = body.encode()
    return zlib.compress(raw, 1) if len(raw) >= COMPRESS_FROM_BYTES else body


def entry_body(entry: Document) -> bytes:
    """The JSON body of a stored entry, exactly as it was serialized (either stored form)."""
    body = entry["body"]
    return body.encode() if isinstance(body, str) else zlib.decompress(body)
