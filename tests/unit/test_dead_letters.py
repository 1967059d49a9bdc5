"""How a dead letter is read from its headers and what a replay carries (no broker needed)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.messaging.deadletters import DeadLetter


@dataclass
class Incoming:
    """The parts of an incoming AMQP message a dead letter is read from."""

    body: bytes
    headers: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = "m-1"
    routing_key: str | None = "approval.order-submitted"
    type: str | None = "OrderSubmitted"
    correlation_id: str | None = "PO-1"


OMS_HEADERS = {
    "x-oms-reason": "invalid_message",
    "x-oms-detail": "total: a decimal as a string",
    "x-oms-queue": "approval.order-submitted",
    "x-oms-original-exchange": "oms.events",
    "x-oms-original-routing-key": "order.submitted",
    "x-oms-dead-lettered-at": "2026-11-30T08:00:00+00:00",
    "x-oms-user": "alice",
}


def read(body: dict[str, Any], headers: dict[str, Any]) -> DeadLetter:
    return DeadLetter.read(Incoming(json.dumps(body).encode(), headers))  # type: ignore[arg-type]


def test_a_service_dead_letter_is_read_from_the_oms_headers() -> None:
    letter = read({"message_id": "m-1", "order_id": "PO-1"}, OMS_HEADERS)
    assert (letter.routing_key, letter.exchange) == ("order.submitted", "oms.events")
    assert letter.reason == "invalid_message"
    assert letter.failures == 1
    assert letter.first_failed_at == letter.last_failed_at == "2026-11-30T08:00:00+00:00"
    assert letter.history == []
    assert letter.replay_of is None


def test_a_broker_dead_letter_is_read_from_x_death() -> None:
    death = {
        "count": 20,
        "reason": "delivery_limit",
        "queue": "order.commands",
        "exchange": "oms.commands",
        "routing-keys": [b"order.submit"],
        "time": datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
    }
    letter = read({"order_id": "PO-1"}, {"x-death": [death]})
    assert (letter.routing_key, letter.exchange) == ("order.submit", "oms.commands")
    assert letter.reason == "delivery_limit"
    assert letter.failures == 20
    assert letter.last_failed_at == "2026-11-30T08:00:00+00:00"


def test_a_replay_has_a_new_id_linked_to_the_old_and_carries_the_history() -> None:
    letter = read({"message_id": "m-1", "order_id": "PO-1"}, OMS_HEADERS)
    replayed = letter.replayed(None, "operator")
    assert replayed.message_id != "m-1"
    assert json.loads(replayed.body)["message_id"] == replayed.message_id
    assert replayed.user_id == "operator"
    headers = dict(replayed.headers or {})
    assert headers["x-oms-replay-of"] == "m-1"
    assert headers["x-oms-failures"] == 1
    assert headers["x-oms-first-failed-at"] == "2026-11-30T08:00:00+00:00"
    assert headers["x-oms-user"] == "alice"  # the person the original was sent for
    assert "x-oms-reason" not in headers
    [earlier] = json.loads(str(headers["x-oms-history"]))
    assert earlier == {
        "message_id": "m-1",
        "at": "2026-11-30T08:00:00+00:00",
        "reason": "invalid_message",
        "detail": "total: a decimal as a string",
    }

    # It failed again: the service kept those headers and added its own.
    again = read(
        json.loads(replayed.body),
        {**headers, **OMS_HEADERS, "x-oms-dead-lettered-at": "2026-11-30T09:00:00+00:00"},
    )
    assert again.failures == 2
    assert again.first_failed_at == "2026-11-30T08:00:00+00:00"
    assert again.last_failed_at == "2026-11-30T09:00:00+00:00"
    assert again.replay_of == "m-1"
    assert [h["message_id"] for h in again.history] == ["m-1"]
    fixed = again.replayed(json.dumps({"message_id": "x", "order_id": "PO-2"}), "operator")
    assert json.loads(fixed.body)["order_id"] == "PO-2"
    assert len(json.loads(str(dict(fixed.headers or {})["x-oms-history"]))) == 2
