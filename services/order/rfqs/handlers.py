"""RFQs: one handler per command: load, call the aggregate, save.

Choosing a reply changes the RFQ and adds a purchase order: what those two writes commit, and
how a crash between them is finished without the command being sent again
(:meth:`RfqHandlers.reply_chosen`), is in :mod:`services.order.orders.conversions`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.order.orders.conversions import Conversions, decision_cause, order_cause
from services.order.rfqs.domain.errors import RfqExists, UnknownRfq
from services.order.rfqs.domain.rfq import Rfq
from services.order.stock.domain.quantities import numbered
from services.order.stock.ports import Items
from shared.contracts import (
    CancelRfq,
    ChooseRfqReply,
    Command,
    CreateRfq,
    RecordRfqReply,
    RfqReplyChosen,
    utcnow,
)
from shared.storage.store import Store


class RfqHandlers:
    def __init__(self, rfqs: Store[Rfq], conversions: Conversions, *, items: Items) -> None:
        self.rfqs = rfqs
        self.conversions = conversions
        """The purchase orders chosen replies become."""
        self.items = items

    async def create(self, cmd: CreateRfq) -> None:
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

    async def record_reply(self, cmd: RecordRfqReply) -> None:
        await self._change(
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

    async def choose_reply(self, cmd: ChooseRfqReply) -> None:
        """Write 1: fix the purchase order on the RFQ; write 2: add it (once)."""
        conversions = self.conversions

        async def choose(rfq: Rfq) -> None:
            rfq.choose(
                supplier_id=cmd.supplier_id, by=cmd.chosen_by, order_id=cmd.order_id, now=utcnow()
            )
            await conversions.check_free(rfq.order_id, rfq.id, lambda order: order.rfq_id)

        rfq = await self._change(cmd.rfq_id, cmd, choose) or await self.rfqs.read(cmd.rfq_id)
        if rfq is not None and rfq.order_id is not None:
            await conversions.finish(rfq.purchase_order(), order_cause(cmd, rfq.id), rfq.id)

    async def reply_chosen(self, event: RfqReplyChosen) -> None:
        """The purchase order a chosen reply promised exists (write 2, if a crash skipped it)."""
        rfq = await self.rfqs.read(event.rfq_id)
        if rfq is None or rfq.order_id is None:
            return
        if not await self.conversions.made(rfq.order_id, rfq.id):
            await self.conversions.finish(rfq.purchase_order(), decision_cause(event), rfq.id)

    async def cancel(self, cmd: CancelRfq) -> None:
        await self._change(
            cmd.rfq_id,
            cmd,
            lambda rfq: rfq.cancel(by=cmd.cancelled_by, reason=cmd.reason, now=utcnow()),
        )

    async def _change(
        self, rfq_id: str, cmd: Command, change: Callable[[Rfq], object | Awaitable[object]]
    ) -> Rfq | None:
        return await self.rfqs.change(rfq_id, cmd, change, missing=lambda: UnknownRfq(rfq_id))
