"""Quotations and RFQs: one handler per command: load, call the aggregate, save.

Converting a quotation, or choosing an RFQ reply, changes the document and adds an order: what
those two writes commit, and how a crash between them is finished without the command being
sent again, is in :mod:`services.order.conversions`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

from services.order.conversions import Conversions
from services.order.domain import (
    OPEN_QUOTATIONS,
    Order,
    Quotation,
    QuotationExists,
    QuotationPastValidity,
    Rfq,
    RfqExists,
    UnknownQuotation,
    UnknownRfq,
)
from services.order.domain.quantities import numbered
from services.order.ports import BranchRules, Items, Prices, StockAssessor
from shared.contracts import (
    AcceptQuotation,
    CancelRfq,
    ChooseRfqReply,
    Command,
    ConvertQuotation,
    CreateQuotation,
    CreateRfq,
    DeclineQuotation,
    Message,
    PricingTerms,
    RecordRfqReply,
    ReviseQuotation,
    SendQuotation,
    utcnow,
)
from shared.storage.store import Store

log = structlog.get_logger(__name__)

EXPIRY_BATCH = 100

QuotationChange = Callable[[Quotation, datetime], object | Awaitable[object]]


class DocumentHandlers:
    def __init__(
        self,
        quotations: Store[Quotation],
        rfqs: Store[Rfq],
        orders: Store[Order],
        *,
        stock: StockAssessor,
        branches: BranchRules,
        config: Prices,
        items: Items,
    ) -> None:
        self.quotations = quotations
        self.rfqs = rfqs
        self.config = config
        """Tax rates and price lists, which price quotations as they price orders."""
        self.items = items
        self.conversions = Conversions(quotations, rfqs, orders, stock=stock, branches=branches)
        """Orders made from quotations and RFQs."""

    async def create_quotation(self, cmd: CreateQuotation) -> None:
        """Create a draft, priced as a sales order would be now."""
        now, terms = utcnow(), cmd.pricing or PricingTerms()
        await self.items.check(numbered(cmd.lines))
        quotation = Quotation.create(
            quotation_id=cmd.quotation_id,
            customer_id=cmd.customer_id,
            branch_id=cmd.branch_id,
            created_by=cmd.created_by,
            currency=cmd.currency,
            lines=cmd.lines,
            pricing=terms,
            price_list=await self.config.price_list(terms.price_list_id),
            rates=await self.config.rates_for(cmd.lines, now),
            valid_until=cmd.valid_until,
            notes=cmd.notes,
            now=now,
        )
        if not await self.quotations.add_once(quotation, cause=cmd):
            raise QuotationExists(f"Quotation {cmd.quotation_id} already exists.")

    async def revise_quotation(self, cmd: ReviseQuotation) -> None:
        if cmd.lines is not None:
            await self.items.check(numbered(cmd.lines))

        async def revise(quotation: Quotation, now: datetime) -> None:
            terms = cmd.pricing or quotation.terms
            quotation.revise(
                by=cmd.revised_by,
                now=now,
                lines=cmd.lines,
                pricing=cmd.pricing,
                price_list=await self.config.price_list(terms.price_list_id),
                rates=await self.config.rates_for(cmd.lines or quotation.lines, now),
                valid_until=cmd.valid_until,
                branch_id=cmd.branch_id,
                currency=cmd.currency,
                notes=cmd.notes,
            )

        await self._quotation(cmd.quotation_id, cmd, revise)

    async def send_quotation(self, cmd: SendQuotation) -> None:
        await self._quotation(
            cmd.quotation_id, cmd, lambda quotation, now: quotation.send(by=cmd.sent_by, now=now)
        )

    async def accept_quotation(self, cmd: AcceptQuotation) -> None:
        await self._quotation(
            cmd.quotation_id,
            cmd,
            lambda quotation, now: quotation.accept(by=cmd.accepted_by, now=now),
        )

    async def decline_quotation(self, cmd: DeclineQuotation) -> None:
        await self._quotation(
            cmd.quotation_id,
            cmd,
            lambda quotation, now: quotation.decline(
                by=cmd.declined_by, reason=cmd.reason, now=now
            ),
        )

    async def convert_quotation(self, cmd: ConvertQuotation) -> None:
        """Write 1: fix the sales order on the quotation; write 2: add it (once). The order is
        checked against its branch's stock before the quotation is converted, as a created
        sales order is (a branch that refuses short orders refuses the conversion)."""
        conversions = self.conversions

        async def convert(quotation: Quotation, now: datetime) -> None:
            first = quotation.order_id is None
            quotation.convert(by=cmd.converted_by, order_id=cmd.order_id, now=now)
            await conversions.check_free(
                quotation.order_id, quotation.id, lambda order: order.quotation_id
            )
            if first:
                await conversions.sales_order(quotation, refuse_short=True)

        changed = await self._quotation(cmd.quotation_id, cmd, convert)
        quotation = changed or await self.quotations.read(cmd.quotation_id)
        if quotation is not None and quotation.order_id is not None:
            # Decided: the order is added even if the stock changed since.
            order = await conversions.sales_order(quotation, refuse_short=False)
            await conversions.finish(order, _order_cause(cmd, quotation.id), quotation.id)

    async def _quotation(
        self, quotation_id: str, cmd: Command, change: QuotationChange
    ) -> Quotation | None:
        """Apply ``change`` to the quotation; one found past its validity is marked expired
        (``order.quotation_expired``) before the command is refused."""
        now = utcnow()
        try:
            return await self.quotations.change(
                quotation_id,
                cmd,
                lambda quotation: change(quotation, now),
                missing=lambda: UnknownQuotation(quotation_id),
            )
        except QuotationPastValidity as refused:
            if refused.newly:
                flow = _flow(cmd, quotation_id)
                await self._expire(quotation_id, flow, f"expire:{cmd.message_id}", now)
            raise

    async def _expire(self, quotation_id: str, flow: str, key: str, now: datetime) -> None:
        await self.quotations.change(
            quotation_id,
            Message(correlation_id=flow),
            lambda quotation: quotation.expire(now=now),
            missing=lambda: UnknownQuotation(quotation_id),
            key=key,
        )
        log.info("quotation_expired", quotation_id=quotation_id)

    async def expire_due(self) -> None:
        """Mark open quotations past their validity expired (scheduled, one replica at a time;
        a command that meets one first does the same)."""
        now = utcnow()
        due = await self.quotations.find(
            {"status": {"$in": [s.value for s in OPEN_QUOTATIONS]}, "valid_until": {"$lt": now}},
            limit=EXPIRY_BATCH,
        )
        for quotation in due:
            # No message caused it: the clock did. Once per revision, whoever runs it.
            await self._expire(quotation.id, quotation.id, f"expire:{quotation.revision}", now)

    async def create_rfq(self, cmd: CreateRfq) -> None:
        await self.items.check(numbered(cmd.lines))
        rfq = Rfq.create(
            rfq_id=cmd.rfq_id,
            branch_id=cmd.branch_id,
            created_by=cmd.created_by,
            currency=cmd.currency,
            lines=cmd.lines,
            supplier_ids=cmd.supplier_ids,
            notes=cmd.notes,
            now=utcnow(),
        )
        if not await self.rfqs.add_once(rfq, cause=cmd):
            raise RfqExists(f"RFQ {cmd.rfq_id} already exists.")

    async def record_rfq_reply(self, cmd: RecordRfqReply) -> None:
        await self._rfq(
            cmd.rfq_id,
            cmd,
            lambda rfq: rfq.record_reply(
                supplier_id=cmd.supplier_id,
                prices=cmd.prices,
                lead_time_days=cmd.lead_time_days,
                valid_until=cmd.valid_until,
                by=cmd.recorded_by,
                notes=cmd.notes,
                now=utcnow(),
            ),
        )

    async def choose_rfq_reply(self, cmd: ChooseRfqReply) -> None:
        """Write 1: fix the purchase order on the RFQ; write 2: add it (once)."""
        conversions = self.conversions

        async def choose(rfq: Rfq) -> None:
            rfq.choose(
                supplier_id=cmd.supplier_id, by=cmd.chosen_by, order_id=cmd.order_id, now=utcnow()
            )
            await conversions.check_free(rfq.order_id, rfq.id, lambda order: order.rfq_id)

        rfq = await self._rfq(cmd.rfq_id, cmd, choose) or await self.rfqs.read(cmd.rfq_id)
        if rfq is not None and rfq.order_id is not None:
            await conversions.finish(rfq.purchase_order(), _order_cause(cmd, rfq.id), rfq.id)

    async def cancel_rfq(self, cmd: CancelRfq) -> None:
        await self._rfq(
            cmd.rfq_id,
            cmd,
            lambda rfq: rfq.cancel(by=cmd.cancelled_by, reason=cmd.reason, now=utcnow()),
        )

    async def _rfq(
        self, rfq_id: str, cmd: Command, change: Callable[[Rfq], object | Awaitable[object]]
    ) -> Rfq | None:
        return await self.rfqs.change(rfq_id, cmd, change, missing=lambda: UnknownRfq(rfq_id))


def _order_cause(cmd: Command, document_id: str) -> Message:
    """What the order is added for: the command, as a plain message (it answers nobody)."""
    return Message(message_id=cmd.message_id, correlation_id=_flow(cmd, document_id))


def _flow(cmd: Command, document_id: str) -> str:
    """The business flow a command belongs to: its sender's correlation id, or the document."""
    sent_as = cmd.delivery.correlation_id if cmd.delivery else None
    return sent_as or cmd.correlation_id or document_id
