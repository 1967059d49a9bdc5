"""Outbox entries are stored packed (their fields and body compressed against a dictionary) and
read back exactly; entries stored before packing are read as they were."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from datetime import UTC, timedelta

import bson
import pytest

from shared.contracts import OrderCreated, OrderKind
from shared.storage.aggregates import outbox_entry
from shared.storage.bodies import PACKED, VERSION, _dictionary, pack, unpacked
from tests.support.factories import lines, sales_order


def _event() -> OrderCreated:
    cmd = sales_order(lines=lines(*[(f"SKU-{i}", "2", "10.00") for i in range(5)]))
    return OrderCreated(
        order_id=cmd.order_id,
        kind=OrderKind.SALES,
        party_id=cmd.customer_id,
        branch_id=cmd.branch_id,
        created_by=cmd.created_by,
        currency=cmd.currency,
        lines=cmd.lines,
        total="50.00",
        correlation_id=cmd.order_id,
    )


def test_an_entry_keeps_in_the_open_only_what_the_database_looks_at() -> None:
    event = _event()
    entry = outbox_entry(event, reply_to="amq.gen-1")
    assert set(entry) == {"message_id", "created_at", "packed"}
    assert entry["packed"][0] == VERSION
    # As the database hands it back (BSON binary decodes to bytes).
    read = unpacked(bson.decode(bson.encode(entry)))
    assert read["body"] == event.model_dump_json().encode()
    assert read["routing_key"] == "order.created"
    assert read["exchange"] == "oms.events"
    assert read["type"] == "OrderCreated"
    assert read["correlation_id"] == event.order_id
    assert read["reply_to"] == "amq.gen-1"
    assert read["message_id"] == str(event.message_id)
    assert abs(read["created_at"].replace(tzinfo=UTC) - entry["created_at"]) < timedelta(0, 0, 1000)


def test_packed_is_a_fraction_of_the_fields_it_holds() -> None:
    event = _event()
    entry = outbox_entry(event)
    read = unpacked(entry)
    open_fields = {name: read[name] for name in PACKED} | {"body": event.model_dump_json()}
    assert len(entry["packed"]) * 4 < len(bson.encode(open_fields))


def test_an_answer_keeps_its_marker_beside_what_is_packed() -> None:
    entry = {**outbox_entry(_event()), "answer_to": "cmd-1"}
    assert unpacked(entry)["answer_to"] == "cmd-1"


def test_any_text_survives_packing() -> None:
    body = '{"note":"caf\u00e9 \\n line\\"quoted\\"","x":"' + "\u2603" * 50 + '"}'
    fields = {"exchange": "oms.events", "routing_key": "a.b", "trace": {"traceparent": "00-1"}}
    read = unpacked({"message_id": "m", "packed": pack(fields, body, "m")})
    assert read["body"] == body.encode()
    assert read["trace"] == {"traceparent": "00-1"}
    assert read["type"] is None


def test_entries_stored_before_packing_are_read_as_they_were() -> None:
    body = '{"order_id":"SO-1","lines":[' + '{"sku":"A","quantity":"1"},' * 20 + "{}]}"
    old = {"message_id": "m", "routing_key": "order.created", "exchange": "oms.events"}
    read = unpacked({**old, "body": body})
    assert read["body"] == body.encode()
    assert read["routing_key"] == "order.created"
    assert read["message_id"] == "m"


def _packed_v1(fields: Mapping[str, object], body: str) -> bytes:
    """An entry as version 1 packed it (level 1, the first dictionary, nothing of the entry)."""
    line = json.dumps({name: fields.get(name) for name in PACKED}, separators=(",", ":"))
    compressor = zlib.compressobj(1, zdict=_dictionary(1))
    return bytes([1]) + compressor.compress(f"{line}\n{body}".encode()) + compressor.flush()


def test_entries_packed_by_version_1_are_read_as_they_were() -> None:
    event = _event()
    fields = {"exchange": "oms.events", "routing_key": event.routing_key, "type": "OrderCreated"}
    body = event.model_dump_json()
    stored = {"message_id": str(event.message_id), "packed": _packed_v1(fields, body)}
    read = unpacked(bson.decode(bson.encode(stored)))
    assert read["body"] == body.encode()
    assert read["routing_key"] == "order.created"
    assert read["message_id"] == str(event.message_id)


def test_the_entry_s_own_message_id_costs_almost_nothing_packed() -> None:
    """Version 2 ends its dictionary with the entry's message id (in the open beside it): the
    body's copy of the id is a reference, and a version-2 entry is smaller than version 1's."""
    event = _event()
    entry = outbox_entry(event)
    fields = {name: unpacked(entry)[name] for name in PACKED}
    assert len(entry["packed"]) + 20 < len(_packed_v1(fields, event.model_dump_json()))
    # Read back with another id in the open, the body is not what was packed.
    with pytest.raises(zlib.error):
        unpacked({**entry, "message_id": "00000000-0000-0000-0000-000000000000"})
