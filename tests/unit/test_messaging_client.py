"""The shared AMQP client's pieces that need no broker: who a URL logs in as, how an answer is
read and matched to its command, and dead-letter headers that the reader understands as the
writers (a service's settlement, the back office) wrote them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shared.messaging.client import Answer, login
from shared.messaging.deadletters import FAILURE_HEADERS, DeadLetter, failure_headers


@dataclass
class Incoming:
    """The parts of an incoming AMQP message the client reads."""

    body: bytes
    type: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = "m-1"
    routing_key: str | None = "approval.order-submitted"
    correlation_id: str | None = "PO-1"


def answer(body: bytes, kind: str | None = "CommandRejected") -> Answer:
    return Answer.read(Incoming(body, kind))  # type: ignore[arg-type]


def test_the_caller_is_the_login_of_the_url() -> None:
    assert login("amqp://operator:secret@rabbit:5672/oms") == "operator"
    assert login("amqp://store%40front:x@rabbit/oms") == "store@front"
    assert login("amqp://rabbit/") == "guest"  # as aio-pika logs in without a user


def test_an_answer_names_the_command_it_answers() -> None:
    rejected = answer(b'{"command_message_id": "c-1", "causation_id": "c-1", "reason": "x"}')
    assert rejected.refused
    assert rejected.in_answer_to == ("c-1", "c-1")
    event = answer(b'{"order_id": "PO-1", "causation_id": "c-2"}', "OrderSubmitted")
    assert not event.refused
    assert event.type == "OrderSubmitted"
    assert event.in_answer_to == ("c-2",)
    assert event.body["order_id"] == "PO-1"


def test_an_answer_that_is_not_a_json_object_answers_nothing() -> None:
    garbled = answer(b"{not json")
    assert garbled.body == {"_raw": "{not json"}
    assert garbled.in_answer_to == ()
    listed = answer(b"[1, 2]")
    assert listed.body == {"_value": [1, 2]}
    assert listed.in_answer_to == ()


def test_failure_headers_are_read_back_as_the_dead_letter_they_describe() -> None:
    headers = failure_headers(
        reason="invalid_message",
        detail="total: a decimal as a string " * 100,
        service="approval",
        queue="approval.order-submitted",
        exchange="oms.events",
        routing_key="order.submitted",
    )
    assert len(headers["x-oms-detail"]) == 2000  # bounded: headers travel with every message
    assert set(headers) <= set(FAILURE_HEADERS)
    letter = DeadLetter.read(
        Incoming(json.dumps({"message_id": "m-1"}).encode(), headers=headers)  # type: ignore[arg-type]
    )
    assert (letter.exchange, letter.routing_key) == ("oms.events", "order.submitted")
    assert letter.reason == "invalid_message"
    assert letter.detail == headers["x-oms-detail"]
    assert letter.last_failed_at == headers["x-oms-dead-lettered-at"]
    assert letter.failures == 1
    # A replay carries none of them: they describe that one failure (its history keeps it).
    replayed = dict(letter.replayed(None, "operator").headers or {})
    assert not set(headers) & set(replayed)
    assert json.loads(str(replayed["x-oms-history"]))[0]["reason"] == "invalid_message"
