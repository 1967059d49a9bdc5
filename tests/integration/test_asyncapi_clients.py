"""A caller who reads only the committed AsyncAPI documents can send every command.

For each command a document lists, the test builds a call from the document alone: the
exchange and routing key from the channel's AMQP binding, a body made from the message's
JSON schema, the AMQP properties the operation asks for, and ``reply_to``. Every call is
answered on ``reply_to`` with one of the messages the operation's ``reply`` names, and none is
refused as malformed (a business refusal, such as an unknown order, is a fine answer).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import pytest

from shared.asyncapi import load
from shared.registry import SERVICES
from shared.runtime import build_app
from tests.support.bus import Bus
from tests.support.services import Environment, running

DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"
MALFORMED = {
    "invalid_message",
    "unknown_message_type",
    "unauthenticated",
    "not_allowed",
    "not_the_acting_user",
}
STRING_CANDIDATES = ("X1", "USD", "1", "a")


Call = tuple[str, str, str, dict[str, Any], set[str], str, str | None]


def calls() -> list[Call]:
    """(service, exchange, routing key, body, answer types, caller, acting person field) for
    every command documented."""
    found = []
    for path in sorted(DOCS.glob("*.json")):
        doc = json.loads(path.read_text())
        for operation in doc["operations"].values():
            channel = _resolve(doc, operation["channel"]["$ref"])
            exchange = channel["bindings"]["amqp"]["exchange"]["name"]
            if operation["action"] != "receive" or exchange != "oms.commands":
                continue
            [message_ref] = operation["messages"]
            message = _resolve(doc, _resolve(doc, message_ref["$ref"])["$ref"])
            body = Sample(doc).of(_resolve(doc, message["payload"]["$ref"]))
            answers = {
                _resolve(doc, ref["$ref"])["bindings"]["amqp"]["messageType"]
                for ref in operation["reply"]["messages"]
            }
            # Log in as the back office (it acts for people) if the command allows it.
            senders = operation["x-oms-senders"]
            caller = "backoffice" if "backoffice" in senders else senders[0]
            person_field = message.get("x-oms-acting-person")
            found.append(
                (path.stem, exchange, channel["address"], body, answers, caller, person_field)
            )
    return found


def _resolve(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    assert isinstance(node, dict)
    return node


class Sample:
    """The smallest body a JSON schema accepts, as a caller would write it by hand."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def of(self, schema: dict[str, Any]) -> Any:  # noqa: PLR0911 - one case per schema kind
        if "$ref" in schema:
            return self.of(_resolve(self.doc, schema["$ref"]))
        if "examples" in schema:
            return schema["examples"][0]
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if "anyOf" in schema:
            options = [o for o in schema["anyOf"] if o.get("type") != "null"]
            strings = [o for o in options if o.get("type") == "string"]
            return self.of((strings or options)[0])
        kind = schema.get("type")
        if kind == "object":
            properties = schema.get("properties", {})
            return {name: self.of(properties[name]) for name in schema.get("required", [])}
        if kind == "array":
            return [self.of(schema["items"])] * max(schema.get("minItems", 1), 1)
        return self._scalar(schema)

    @staticmethod
    def _scalar(schema: dict[str, Any]) -> Any:
        kind, fmt = schema.get("type"), schema.get("format")
        if kind in {"integer", "number"}:
            return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
        if kind == "boolean":
            return False
        now = datetime.now(UTC)
        formatted: dict[str, Callable[[], str]] = {
            "uuid": lambda: str(uuid.uuid4()),
            "date-time": now.isoformat,
            "date": lambda: now.date().isoformat(),
            "email": lambda: "someone@example.com",
        }
        if fmt in formatted:
            return formatted[fmt]()
        pattern = schema.get("pattern")
        return next(c for c in STRING_CANDIDATES if pattern is None or re.search(pattern, c))


@pytest.fixture
async def system(env: Environment) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        for entry in SERVICES:
            service = load(entry.name)
            settings = service.settings(**env.settings(entry.name))
            await stack.enter_async_context(running(build_app(service, settings)))
        yield


async def test_every_documented_command_can_be_sent_from_the_document_alone(
    system: None, env: Environment
) -> None:
    sent: dict[str, tuple[str, set[str]]] = {}
    callers: dict[str, Bus] = {}
    async with AsyncExitStack() as stack:
        for service, exchange, routing_key, body, answers, caller, field in calls():
            if caller not in callers:
                callers[caller] = await stack.enter_async_context(Bus(env.amqp_url, user=caller))
            client = callers[caller]
            message_id = str(uuid.uuid4())
            person = body.get(field, "someone") if field else "someone"
            await client.exchanges[exchange].publish(
                aio_pika.Message(
                    json.dumps({**body, "message_id": message_id}).encode(),
                    message_id=message_id,
                    correlation_id=f"doc-{routing_key}",
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    reply_to=client.reply_queue,
                    user_id=caller,
                    headers={"x-oms-user": person},
                ),
                routing_key=routing_key,
            )
            sent[message_id] = (f"{service}: {routing_key}", answers)
        await _check_answers(sent, lambda: [r for c in callers.values() for r in c.replies])


async def _check_answers(
    sent: dict[str, tuple[str, set[str]]], replies: Callable[[], list[Any]]
) -> None:
    assert len(sent) >= 18  # every command of the five services

    def answered(message_id: str) -> list[Any]:
        return [
            reply
            for reply in replies()
            if message_id in {reply.body.get("causation_id"), reply.body.get("command_message_id")}
        ]

    for _ in range(200):
        if all(map(answered, sent)):
            break
        await asyncio.sleep(0.1)
    for message_id, (command, answers) in sent.items():
        [reply] = answered(message_id) or [None]
        assert reply is not None, f"{command} was not answered"
        assert reply.type in answers, f"{command} answered with {reply.type}, not {answers}"
        assert reply.body.get("reason") not in MALFORMED, f"{command}: {reply.body}"
        assert reply.correlation_id == f"doc-{command.split(': ')[1]}"
