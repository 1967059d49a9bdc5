"""Documents that become orders: what a conversion commits, and how it finishes after a crash.

Converting a quotation, or choosing an RFQ reply, changes two aggregates. No transaction spans
them (the same code runs on a standalone server), so the change is two writes, in this order:

1. the document: the order's id fixed on it, and its event (``order.quotation_converted`` or
   ``order.rfq_reply_chosen``, the command's answer) in its outbox. This is the decision, and
   the process record: a document that names an order promises that order;
2. the order, added once (its id is fixed: a second add finds it, made from this document).

The command's handler writes both. Should the process die, or the second write fail, between
them, the first write's event is still published (the outbox relay publishes what a document
holds, after a restart too), and this service consumes that event itself: :meth:`finish` adds
the order that is missing. Nobody has to send the command again.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from services.order.domain import Order, OrderExists, Quotation, Rfq
from services.order.ports import BranchRules, StockAssessor
from shared.contracts import Message, QuotationConverted, RfqReplyChosen, WhenStockShort
from shared.storage.store import Store

log = structlog.get_logger(__name__)


class Conversions:
    def __init__(
        self,
        quotations: Store[Quotation],
        rfqs: Store[Rfq],
        orders: Store[Order],
        *,
        stock: StockAssessor,
        branches: BranchRules,
    ) -> None:
        self.quotations = quotations
        self.rfqs = rfqs
        self.orders = orders
        self.stock = stock
        self.branches = branches

    async def quotation_converted(self, event: QuotationConverted) -> None:
        """The sales order a conversion promised exists (write 2, if a crash skipped it)."""
        quotation = await self.quotations.read(event.quotation_id)
        if quotation is None or quotation.order_id is None:
            return
        if not await self._made(quotation.order_id, quotation.id):
            order = await self.sales_order(quotation, refuse_short=False)
            await self.finish(order, _cause(event), quotation.id)

    async def rfq_reply_chosen(self, event: RfqReplyChosen) -> None:
        """The purchase order a chosen reply promised exists (write 2, if a crash skipped it)."""
        rfq = await self.rfqs.read(event.rfq_id)
        if rfq is None or rfq.order_id is None:
            return
        if not await self._made(rfq.order_id, rfq.id):
            await self.finish(rfq.purchase_order(), _cause(event), rfq.id)

    async def sales_order(self, quotation: Quotation, *, refuse_short: bool) -> Order:
        """The converted quotation's sales order, checked against its branch's stock."""
        availability = await self.stock.assess(quotation.branch_id, quotation.lines)
        rule = WhenStockShort.ALLOW
        if refuse_short:
            rule = await self.branches.when_stock_short(quotation.branch_id)
        return quotation.sales_order(availability=availability, when_stock_short=rule)

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

    async def _made(self, order_id: str, document_id: str) -> bool:
        existing = await self.orders.get(order_id)
        return existing is not None and document_id in {existing.quotation_id, existing.rfq_id}


def _cause(event: QuotationConverted | RfqReplyChosen) -> Message:
    """The command that made the decision (the event's cause), as the handler remembered it."""
    return Message(
        message_id=event.causation_id or event.message_id, correlation_id=event.correlation_id
    )
