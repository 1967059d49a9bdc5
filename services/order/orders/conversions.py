"""Documents that become orders: what a conversion commits, and how it finishes after a crash.

Converting a quotation, or choosing an RFQ reply, changes two aggregates. No transaction spans
them (the same code runs on a standalone server), so the change is two writes, in this order:

1. the document: the order's id fixed on it, and its event (``order.quotation_converted`` or
   ``order.rfq_reply_chosen``, the command's answer) in its outbox. This is the decision, and
   the process record: a document that names an order promises that order;
2. the order, added once (its id is fixed: a second add finds it, made from this document).

The command's handler (``services.order.quotations.handlers``, ``services.order.rfqs.handlers``)
writes both. Should the process die, or the second write fail, between them, the first write's
event is still published (the outbox relay publishes what a document holds, after a restart
too), and this service consumes that event itself: :meth:`Conversions.finish` adds the order
that is missing. Nobody has to send the command again. This module is the orders' side of it,
the same for every kind of document.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from services.order.orders.domain.errors import OrderExists
from services.order.orders.domain.order import Order
from shared.contracts import Command, Event, Message
from shared.storage.store import Store

log = structlog.get_logger(__name__)


class Conversions:
    def __init__(self, orders: Store[Order]) -> None:
        self.orders = orders

    async def check_free(
        self, order_id: str | None, document_id: str, source: Callable[[Order], str | None]
    ) -> None:
        """The order id a document fixes is new, or the order made from that document."""
        if order_id is None:
            return
        existing = await self.orders.get(order_id)
        if existing is not None and source(existing) != document_id:
            raise OrderExists(
                f"Order {order_id} exists already and was not made from this document: name "
                "another order_id."
            )

    async def finish(self, order: Order, cause: Message, document_id: str) -> None:
        """Write 2: add the order a document fixed, remembered by the command's id (the
        command answers with the document's event, so the order's events answer nobody)."""
        if not await self.orders.add_once(order, cause=cause):
            existing = await self.orders.read(order.id)
            if existing is None or document_id not in {existing.quotation_id, existing.rfq_id}:
                log.error("order_id_taken", order_id=order.id, document_id=document_id)

    async def made(self, order_id: str, document_id: str) -> bool:
        """Whether the order a document fixed exists (made from that document)."""
        existing = await self.orders.get(order_id)
        return existing is not None and document_id in {existing.quotation_id, existing.rfq_id}


def order_cause(cmd: Command, document_id: str) -> Message:
    """What the order is added for: the command, as a plain message (it answers nobody)."""
    return Message(message_id=cmd.message_id, correlation_id=flow(cmd, document_id))


def decision_cause(event: Event) -> Message:
    """The command that made the decision (the event's cause), as the handler remembered it."""
    return Message(
        message_id=event.causation_id or event.message_id, correlation_id=event.correlation_id
    )


def flow(cmd: Command, document_id: str) -> str:
    """The business flow a command belongs to: its sender's correlation id, or the document."""
    sent_as = cmd.delivery.correlation_id if cmd.delivery else None
    return sent_as or cmd.correlation_id or document_id
