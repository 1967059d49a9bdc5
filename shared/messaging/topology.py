"""Exchange and queue declarations, kept in one place so that every declaration agrees.

RabbitMQ refuses to redeclare an exchange or queue with other arguments (and closes the
channel), so nothing else in the code base constructs a ``RabbitExchange`` or ``RabbitQueue``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream import StreamMessage
from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue, RabbitRouter
from faststream.rabbit.subscriber import RabbitSubscriber

from shared import names
from shared.settings import QueueKind

COMMANDS = RabbitExchange(names.COMMANDS, type=ExchangeType.TOPIC, durable=True)
EVENTS = RabbitExchange(names.EVENTS, type=ExchangeType.TOPIC, durable=True)
DEAD_LETTERS = RabbitExchange(names.DEAD_LETTERS, type=ExchangeType.TOPIC, durable=True)
EXCHANGES = {ex.name: ex for ex in (COMMANDS, EVENTS, DEAD_LETTERS)}


@dataclass(frozen=True)
class Topology:
    """Queue arguments an operator chooses: classic or quorum queues, and the delivery limit."""

    queue_kind: QueueKind = QueueKind.CLASSIC
    delivery_limit: int = 20

    def queue(self, name: str, binding_key: str) -> RabbitQueue:
        """A service's durable queue bound by ``binding_key``, dead-lettering to ``oms.dlx``."""
        arguments: dict[str, Any] = {
            "x-dead-letter-exchange": names.DEAD_LETTERS,
            "x-dead-letter-routing-key": name,
        }
        if self.queue_kind is QueueKind.QUORUM:
            arguments["x-delivery-limit"] = self.delivery_limit
        return self._declare(name, binding_key, arguments)

    def subscriber(
        self, router: RabbitRouter, queue: str, binding_key: str, exchange: RabbitExchange
    ) -> RabbitSubscriber:
        """Consume ``queue``; answers are the service's own events, never FastStream's RPC reply."""
        return router.subscriber(self.queue(queue, binding_key), exchange, no_reply=True)

    def dead_letter_queue(self, queue: str) -> RabbitQueue:
        return self._declare(names.dead_letter_queue(queue), queue, {})

    def _declare(self, name: str, binding_key: str, arguments: dict[str, Any]) -> RabbitQueue:
        queue_type = QueueType.QUORUM if self.queue_kind is QueueKind.QUORUM else QueueType.CLASSIC
        queue: RabbitQueue = RabbitQueue(  # type: ignore[call-overload] # kind is a setting
            name,
            queue_type,
            durable=True,
            arguments=arguments,
            routing_key=binding_key,
        )
        return queue


class routed:  # noqa: N801 - used like a function: filter=routed("order.submit")
    """A subscriber filter: this handler takes the queue's messages sent with ``routing_key``."""

    def __init__(self, routing_key: str) -> None:
        self.routing_key = routing_key
        self.__name__ = f"routed_{routing_key.replace('.', '_')}"

    def __call__(self, message: StreamMessage[Any]) -> bool:
        return getattr(message.raw_message, "routing_key", None) == self.routing_key
