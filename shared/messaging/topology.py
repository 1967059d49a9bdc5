"""Exchange and queue declarations, kept in one place so that every declaration agrees.

RabbitMQ refuses to redeclare an exchange or queue with other arguments (and closes the
channel), so nothing else in the code base constructs a ``RabbitExchange`` or ``RabbitQueue``.

``oms.commands`` routes what matches no binding to its alternate exchange ``oms.unrouted``
(fanout), whose queue every service consumes. A broker whose ``oms.commands`` was declared
before that argument existed refuses the new declaration; :func:`declare_commands_exchange`
then uses the exchange as it is (the deployments' policy ``oms-alternate-exchange`` gives it the
alternate exchange without a redeclaration; deploy/README.md). So subscribers and publishers
only look ``oms.commands`` up (``EXCHANGES``), and the runtime declares it once, before them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aio_pika
import structlog
from aiormq.exceptions import ChannelPreconditionFailed
from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

from shared import names
from shared.settings import QueueKind

log = structlog.get_logger(__name__)

COMMANDS_ARGUMENTS: dict[str, Any] = {"alternate-exchange": names.UNROUTED}
COMMANDS = RabbitExchange(
    names.COMMANDS, type=ExchangeType.TOPIC, durable=True, arguments=COMMANDS_ARGUMENTS
)
EVENTS = RabbitExchange(names.EVENTS, type=ExchangeType.TOPIC, durable=True)
DEAD_LETTERS = RabbitExchange(names.DEAD_LETTERS, type=ExchangeType.TOPIC, durable=True)
UNROUTED = RabbitExchange(names.UNROUTED, type=ExchangeType.FANOUT, durable=True)
EXCHANGES = {
    names.COMMANDS: RabbitExchange(
        names.COMMANDS, type=ExchangeType.TOPIC, durable=True, declare=False
    ),
    **{ex.name: ex for ex in (EVENTS, DEAD_LETTERS, UNROUTED)},
}
"""What subscribers and publishers use; ``oms.commands`` only looked up (see above)."""


async def declare_commands_exchange(connection: aio_pika.abc.AbstractConnection) -> bool:
    """Declare ``oms.unrouted`` and ``oms.commands`` with it as alternate exchange; tell whether
    ``oms.commands`` has that argument (False: an older exchange, used as it is)."""
    async with connection.channel(publisher_confirms=False) as channel:
        await channel.declare_exchange(UNROUTED.name, aio_pika.ExchangeType.FANOUT, durable=True)
    try:
        # On a channel of its own: a refusal closes the channel it came on.
        async with connection.channel(publisher_confirms=False) as channel:
            await channel.declare_exchange(
                COMMANDS.name,
                aio_pika.ExchangeType.TOPIC,
                durable=True,
                arguments=COMMANDS_ARGUMENTS,
            )
    except ChannelPreconditionFailed:
        log.warning(
            "commands_exchange_without_alternate_exchange",
            detail="oms.commands predates its alternate exchange: misrouted commands reach "
            "oms.unrouted only where the oms-alternate-exchange policy applies "
            "(deploy/README.md, Migrating a broker)",
        )
        return False
    return True


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
