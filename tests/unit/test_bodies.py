"""Outbox bodies are stored as the exact JSON, compressed when long, and read back either way."""

from __future__ import annotations

import bson

from shared.storage.bodies import COMPRESS_FROM_BYTES, entry_body, stored_body


def test_a_short_body_is_stored_as_its_text() -> None:
    body = '{"order_id":"SO-1"}'
    assert stored_body(body) == body
    assert entry_body({"body": stored_body(body)}) == body.encode()


def test_a_long_body_is_stored_compressed_and_read_back_exactly() -> None:
    lines = ",".join(f'{{"sku":"SKU-{i}","quantity":"2","unit_price":"10.00"}}' for i in range(20))
    body = f'{{"order_id":"SO-1","note":"caf\u00e9","lines":[{lines}]}}'
    assert len(body.encode()) >= COMPRESS_FROM_BYTES
    stored = stored_body(body)
    assert isinstance(stored, bytes)
    assert len(stored) < len(body.encode()) / 3
    # As the database hands it back (BSON binary decodes to bytes).
    read = bson.decode(bson.encode({"body": stored}))
    assert entry_body(read) == body.encode()


def test_a_body_stored_before_compression_is_read_as_it_was() -> None:
    body = '{"order_id":"SO-1","lines":[' + '{"sku":"A","quantity":"1"},' * 20 + "{}]}"
    assert entry_body({"body": body}) == body.encode()


def test_the_threshold_is_in_bytes_not_characters() -> None:
    body = "\u00e9" * (COMPRESS_FROM_BYTES // 2)  # two bytes each in UTF-8
    assert isinstance(stored_body(body), bytes)
