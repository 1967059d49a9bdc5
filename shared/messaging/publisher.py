"""Publishing contract messages with the AMQP properties every consumer relies on.

Persistent delivery, JSON, ``message_id``, ``correlation_id`` and ``type`` set from the
contract; the broker's channel has publisher confirms on, so an awaited publish is on disk.
"""

from __future__ import annotations

from datetime import datetime

from faststream.rabbit import RabbitBroker

from shared.contracts.base import Command, Event, Message
from shared.messaging.topology import COMMANDS, EVENTS, EXCHANGES
from shared.storage.bodies import unpacked
from shared.storage.mongo import Document
from shared.tracing import within

JSON = "application/json"


class Publisher:
    def __init__(self, broker: RabbitBroker, *, user: str | None = None) -> None:
        self.broker = broker
        self.user = user
        """The RabbitMQ login: a command this service sends names it as its ``user_id``."""

    async def publish(
        self,
        message: Message,
        *,
        routing_key: str | None = None,
        reply_to: str | None = None,
    ) -> None:
        """Publish a command to ``oms.commands`` or an event to ``oms.events`` (and reply_to)."""
        exchange = COMMANDS if isinstance(message, Command) else EVENTS
        assert isinstance(message, Command | Event), "only commands and events are published"
        await self.publish_raw(
            body=message.model_dump_json().encode(),
            exchange=exchange.name,
            routing_key=routing_key or message.routing_key,
            message_id=str(message.message_id),
            correlation_id=message.correlation_id,
            message_type=message.type_name(),
            timestamp=message.occurred_at,
            reply_to=reply_to,
        )

    async def publish_entry(self, stored: Document) -> None:
        """Publish an outbox entry exactly as it was stored, in the trace it was caused in."""
        entry = unpacked(stored)
        with within(entry.get("trace")):
            await self._publish_entry(entry)

    async def _publish_entry(self, entry: Document) -> None:
        await self.publish_raw(
            body=entry["body"],
            exchange=entry["exchange"],
            routing_key=entry["routing_key"],
            message_id=entry["message_id"],
            correlation_id=entry.get("correlation_id"),
            message_type=entry.get("type"),
            timestamp=entry.get("created_at"),
            reply_to=entry.get("reply_to"),
            user_id=self.user if entry["exchange"] == COMMANDS.name else None,
        )

    async def answer(self, stored: Document, reply_to: str) -> None:
        """Send a stored answer to ``reply_to`` only (a resent command's answer)."""
        entry = unpacked(stored)
        await self.broker.publish(
            entry["body"],
            routing_key=reply_to,
            message_id=entry["message_id"],
            correlation_id=entry.get("correlation_id"),
            message_type=entry.get("type"),
            timestamp=entry.get("created_at"),
            content_type=JSON,
            persist=True,
            mandatory=False,
        )

    async def publish_raw(
        self,
        *,
        body: bytes,
        exchange: str,
        routing_key: str,
        message_id: str,
        correlation_id: str | None,
        message_type: str | None,
        timestamp: datetime | None = None,
        reply_to: str | None = None,
        headers: dict[str, object] | None = None,
        content_type: str | None = JSON,
        user_id: str | None = None,
    ) -> None:
        await self.broker.publish(
            body,
            exchange=EXCHANGES[exchange],
            user_id=user_id,
            routing_key=routing_key,
            message_id=message_id,
            correlation_id=correlation_id,
            message_type=message_type,
            timestamp=timestamp,
            headers=headers,  # type: ignore[arg-type]
            content_type=content_type,
            persist=True,
        )
        if reply_to:
            # The caller asked for the answer on its own queue, via the default exchange.
            await self.broker.publish(
                body,
                routing_key=reply_to,
                message_id=message_id,
                correlation_id=correlation_id,
                message_type=message_type,
                timestamp=timestamp,
                content_type=content_type,
                persist=True,
                mandatory=False,
            )
