"""Quotations: one handler per command: load, call the aggregate, save.

Converting a quotation changes the quotation and adds a sales order: what those two writes
commit, and how a crash between them is finished without the command being sent again
(:meth:`QuotationHandlers.converted`), is in :mod:`services.order.orders.conversions`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

from services.order.orders.conversions import Conversions, decision_cause, flow, order_cause
from services.order.orders.domain.order import Order
from services.order.pricing.ports import Prices
from services.order.quotations.domain.errors import (
    QuotationExists,
    QuotationPastValidity,
    UnknownQuotation,
)
from services.order.quotations.domain.quotation import Quotation
from services.order.quotations.domain.state import OPEN
from services.order.stock.domain.products import with_product_tax_codes
from services.order.stock.domain.quantities import numbered
from services.order.stock.ports import BranchRules, Items, StockAssessor
from shared.contracts import (
    AcceptQuotation,
    Command,
    ConvertQuotation,
    CreateQuotation,
    DeclineQuotation,
    Message,
    PricingTerms,
    QuotationConverted,
    ReviseQuotation,
    SendQuotation,
    WhenStockShort,
    utcnow,
)
from shared.storage.store import Store

log = structlog.get_logger(__name__)

EXPIRY_BATCH = 100

QuotationChange = Callable[[Quotation, datetime], object | Awaitable[object]]


class QuotationHandlers:
    def __init__(
        self,
        quotations: Store[Quotation],
        conversions: Conversions,
        *,
        stock: StockAssessor,
        branches: BranchRules,
        pricing: Prices,
        items: Items,
    ) -> None:
        self.quotations = quotations
        self.conversions = conversions
        """The sales orders quotations become."""
        self.stock = stock
        self.branches = branches
        self.pricing = pricing
        """Tax rates and price lists, which price quotations as they price orders."""
        self.items = items

    async def create(self, cmd: CreateQuotation) -> None:
        """Create a draft, priced as a sales order would be now."""
        now, terms = utcnow(), cmd.pricing or PricingTerms()
        lines = with_product_tax_codes(cmd.lines, await self.items.check(numbered(cmd.lines)))
        quotation = Quotation.create(
            quotation_id=cmd.quotation_id,
            customer_id=cmd.customer_id,
            branch_id=cmd.branch_id,
            created_by=cmd.created_by,
            currency=cmd.currency,
            lines=lines,
            pricing=terms,
            price_list=await self.pricing.price_list(terms.price_list_id),
            rates=await self.pricing.rates_for(lines, now),
            valid_until=cmd.valid_until,
            notes=cmd.notes,
            now=now,
        )
        if not await self.quotations.add_once(quotation, cause=cmd):
            raise QuotationExists(f"Quotation {cmd.quotation_id} already exists.")

    async def revise(self, cmd: ReviseQuotation) -> None:
        lines = None
        if cmd.lines is not None:
            products = await self.items.check(numbered(cmd.lines))
            lines = with_product_tax_codes(cmd.lines, products)

        async def revise(quotation: Quotation, now: datetime) -> None:
            terms = cmd.pricing or quotation.terms
            quotation.revise(
                by=cmd.revised_by,
                now=now,
                lines=lines,
                pricing=cmd.pricing,
                price_list=await self.pricing.price_list(terms.price_list_id),
                rates=await self.pricing.rates_for(lines or quotation.lines, now),
                valid_until=cmd.valid_until,
                branch_id=cmd.branch_id,
                currency=cmd.currency,
                notes=cmd.notes,
            )

        await self._change(cmd.quotation_id, cmd, revise)

    async def send(self, cmd: SendQuotation) -> None:
        await self._change(
            cmd.quotation_id, cmd, lambda quotation, now: quotation.send(by=cmd.sent_by, now=now)
        )

    async def accept(self, cmd: AcceptQuotation) -> None:
        await self._change(
            cmd.quotation_id,
            cmd,
            lambda quotation, now: quotation.accept(by=cmd.accepted_by, now=now),
        )

    async def decline(self, cmd: DeclineQuotation) -> None:
        await self._change(
            cmd.quotation_id,
            cmd,
            lambda quotation, now: quotation.decline(
                by=cmd.declined_by, reason=cmd.reason, now=now
            ),
        )

    async def convert(self, cmd: ConvertQuotation) -> None:
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
                await self.sales_order(quotation, refuse_short=True)

        changed = await self._change(cmd.quotation_id, cmd, convert)
        quotation = changed or await self.quotations.read(cmd.quotation_id)
        if quotation is not None and quotation.order_id is not None:
            # Decided: the order is added even if the stock changed since.
            order = await self.sales_order(quotation, refuse_short=False)
            await conversions.finish(order, order_cause(cmd, quotation.id), quotation.id)

    async def converted(self, event: QuotationConverted) -> None:
        """The sales order a conversion promised exists (write 2, if a crash skipped it)."""
        quotation = await self.quotations.read(event.quotation_id)
        if quotation is None or quotation.order_id is None:
            return
        if not await self.conversions.made(quotation.order_id, quotation.id):
            order = await self.sales_order(quotation, refuse_short=False)
            await self.conversions.finish(order, decision_cause(event), quotation.id)

    async def sales_order(self, quotation: Quotation, *, refuse_short: bool) -> Order:
        """The converted quotation's sales order, checked against its branch's stock."""
        availability = await self.stock.assess(quotation.branch_id, quotation.lines)
        rule = WhenStockShort.ALLOW
        if refuse_short:
            rule = await self.branches.when_stock_short(quotation.branch_id)
        return quotation.sales_order(availability=availability, when_stock_short=rule)

    async def _change(
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
                key = f"expire:{cmd.message_id}"
                await self._expire(quotation_id, flow(cmd, quotation_id), key, now)
            raise

    async def _expire(
        self, quotation_id: str, correlation_id: str, key: str, now: datetime
    ) -> None:
        await self.quotations.change(
            quotation_id,
            Message(correlation_id=correlation_id),
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
            {"status": {"$in": [s.value for s in OPEN]}, "valid_until": {"$lt": now}},
            limit=EXPIRY_BATCH,
        )
        for quotation in due:
            # No message caused it: the clock did. Once per revision, whoever runs it.
            await self._expire(quotation.id, quotation.id, f"expire:{quotation.revision}", now)
