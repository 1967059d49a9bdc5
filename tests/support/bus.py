"""A test-side AMQP client: publishes commands and events, and records everything published."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from shared import names
from shared.contracts.base import PEOPLE_GATEWAYS, Command, Event, Message
from shared.messaging.callers import USER_HEADER
from shared.messaging.topology import COMMANDS_ARGUMENTS
from tests.support.servers import as_user

Predicate = Callable[[dict[str, Any]], bool]
TEST_CLIENT = "oms-test-bus"


def having(**fields: Any) -> Predicate:
    """A predicate on a message body: ``having(order_id="PO-1", level=2)``."""

    def matches(body: dict[str, Any]) -> bool:
        return all(body.get(key) == value for key, value in fields.items())

    return matches


@dataclass(frozen=True)
class Received:
    routing_key: str
    body: dict[str, Any]
    message_id: str | None
    correlation_id: str | None
    type: str | None
    headers: dict[str, Any] = field(default_factory=dict)


def _decode(message: AbstractIncomingMessage) -> Received:
    try:
        body = json.loads(message.body)
    except ValueError:
        body = {"_raw": message.body.decode(errors="replace")}
    return Received(
        routing_key=message.routing_key or "",
        body=body if isinstance(body, dict) else {"_value": body},
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        type=message.type,
        headers=dict(message.headers or {}),
    )


class Bus:
    def __init__(self, amqp_url: str, *, user: str = "operator") -> None:
        """Connect as the OMS ``user`` (an operator's tool by default: it may send any command
        and play any service by publishing its events)."""
        self.amqp_url = as_user(amqp_url, user)
        self.user = user
        self.events: list[Received] = []
        self.replies: list[Received] = []
        self.event_ids: Counter[str] = Counter()
        """How often each message id was published on ``oms.events`` (delivery is at least
        once; a count above one is a second publication of the same event)."""
        self.reply_queue = ""
        self._connection: AbstractRobustConnection | None = None
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect_robust(
            self.amqp_url, client_properties={"connection_name": TEST_CLIENT}
        )
        channel = await self._connection.channel(publisher_confirms=True)
        self.channel = channel
        # An operator may declare the exchanges (as the services do: oms.commands has an
        # alternate exchange); other callers only use them (they may not configure them).
        arguments = {names.COMMANDS: COMMANDS_ARGUMENTS}
        self.exchanges = {
            name: (
                await channel.declare_exchange(
                    name, aio_pika.ExchangeType.TOPIC, durable=True, arguments=arguments.get(name)
                )
                if self.user == "operator"
                else await channel.get_exchange(name, ensure=False)
            )
            for name in (names.COMMANDS, names.EVENTS, names.DEAD_LETTERS)
        }
        events = await channel.declare_queue(exclusive=True, auto_delete=True)
        await events.bind(self.exchanges[names.EVENTS], routing_key="#")
        await events.consume(self._record(self.events), no_ack=True)
        replies = await channel.declare_queue(exclusive=True, auto_delete=True)
        self.reply_queue = replies.name
        await replies.consume(self._record(self.replies), no_ack=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._connection is not None:
            await self._connection.close()

    def _record(self, into: list[Received]) -> Callable[[AbstractIncomingMessage], Any]:
        async def on_message(message: AbstractIncomingMessage) -> None:
            into.append(_decode(message))
            if into is self.events and message.message_id:
                self.event_ids[message.message_id] += 1
            async with self._changed:
                self._changed.notify_all()

        return on_message

    async def send(
        self,
        message: Message,
        *,
        reply: bool = False,
        routing_key: str | None = None,
        message_id: str | None = None,
    ) -> None:
        """Publish a contract message the way a well-behaved caller does: a command says who
        sends it (``user_id``, checked by the broker) and, from a gateway acting for people,
        for whom (``x-oms-user``: the person its body names)."""
        exchange = names.COMMANDS if isinstance(message, Command) else names.EVENTS
        assert isinstance(message, Command | Event)
        await self.exchanges[exchange].publish(
            aio_pika.Message(
                message.model_dump_json().encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message_id or str(message.message_id),
                correlation_id=message.correlation_id,
                type=message.type_name(),
                reply_to=self.reply_queue if reply else None,
                user_id=self.user,
                headers=self._acting(message),
            ),
            routing_key=routing_key or message.route,
        )

    def _acting(self, message: Message) -> dict[str, Any]:
        if not isinstance(message, Command) or self.user not in PEOPLE_GATEWAYS:
            return {}
        field = type(message).acting_person
        return {USER_HEADER: getattr(message, field) if field else "tester"}

    async def send_raw(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        content_type: str | None = "application/json",
        reply: bool = False,
        message_id: str | None = None,
        person: str = "tester",
        correlation_id: str | None = None,
    ) -> None:
        """Publish arbitrary bytes, e.g. a broken message (for ``person``, from a gateway)."""
        await self.exchanges[exchange].publish(
            aio_pika.Message(
                body,
                content_type=content_type,
                message_id=message_id,
                correlation_id=correlation_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                reply_to=self.reply_queue if reply else None,
                user_id=self.user,
                headers={USER_HEADER: person} if self.user in PEOPLE_GATEWAYS else {},
            ),
            routing_key=routing_key,
        )

    def matching(
        self,
        routing_key: str,
        where: Predicate | None = None,
        *,
        source: list[Received] | None = None,
    ) -> list[Received]:
        messages = self.events if source is None else source
        return [
            m for m in messages if m.routing_key == routing_key and (where is None or where(m.body))
        ]

    async def wait_for(
        self,
        routing_key: str,
        where: Predicate | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,
        source: list[Received] | None = None,
    ) -> list[Received]:
        """Wait until ``count`` matching messages arrived; fail with what did arrive."""

        def enough() -> list[Received]:
            found = self.matching(routing_key, where, source=source)
            return found if len(found) >= count else []

        if found := await self._wait(enough, timeout):
            return found
        arrived = len(self.matching(routing_key, where, source=source))
        seen = [(m.routing_key, m.body) for m in (source or self.events)][-10:]
        raise AssertionError(
            f"waited {timeout}s for {count} x {routing_key}, got {arrived}; last seen: {seen}"
        )

    async def reply_for(self, message: Message, timeout: float = 10.0) -> Received:
        """The answer sent to our reply queue for ``message``."""
        return await self.reply_for_id(str(message.message_id), message.type_name(), timeout)

    async def reply_for_id(
        self, mid: str, what: str = "message", timeout: float = 10.0
    ) -> Received:
        """The answer sent to our reply queue for the message sent with id ``mid``."""

        def answers(body: dict[str, Any]) -> bool:
            return body.get("causation_id") == mid or body.get("command_message_id") == mid

        found = await self._wait(lambda: [r for r in self.replies if answers(r.body)], timeout)
        if not found:
            raise AssertionError(f"no reply for {what} {mid}: {self.replies[-5:]}")
        return found[0]

    async def _wait(self, look: Callable[[], list[Received]], timeout: float) -> list[Received]:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not (found := look()) and (remaining := deadline - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        return found

    def duplicates(self) -> int:
        """Deliveries on ``oms.events`` that repeated a message id already published."""
        return sum(count - 1 for count in self.event_ids.values())

    def repeated_events(self) -> list[Received]:
        """One of each event published more than once."""
        seen: set[str] = set()
        repeated = []
        for event in self.events:
            mid = event.message_id or ""
            if self.event_ids[mid] > 1 and mid not in seen:
                seen.add(mid)
                repeated.append(event)
        return repeated

    async def settle(self, seconds: float = 0.5) -> None:
        """Let in-flight messages arrive before asserting that something did not happen."""
        await asyncio.sleep(seconds)

    async def dead_letter_count(self, queue: str) -> int:
        """How many dead letters of ``queue`` wait for an operator now."""
        dlq = await self.channel.declare_queue(names.dead_letter_queue(queue), passive=True)
        return int(dlq.declaration_result.message_count or 0)

    async def dead_letters(
        self, queue: str, *, count: int = 1, timeout: float = 10.0
    ) -> list[Received]:
        """Take ``count`` messages from the dead-letter queue of ``queue``."""
        dlq = await self.channel.get_queue(names.dead_letter_queue(queue), ensure=True)
        found: list[Received] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            message = await dlq.get(no_ack=True, fail=False)
            if message is not None:
                found.append(_decode(message))
            elif time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} dead letters in {queue}.dlq")
            else:
                await asyncio.sleep(0.05)
        return found
