"""The approval service's decision on a held receipt: received as any receipt, or refused.

Approved: the order claims the held receipt (one keyed write), then the receipt is carried out
as any other (``MovementHandlers.carry_out``: stock per line, then ``GoodsReceived``); a
redelivery finds the claim and finishes it. Rejected: the order refuses it (``ReceiptRefused``).
A decision about an order or receipt inventory does not hold is logged and ignored.
"""

from __future__ import annotations

import structlog

from services.inventory.domain import TrackedOrder
from services.inventory.domain.errors import UnknownOrder
from services.inventory.handlers.movements import MovementHandlers
from services.inventory.repository import Stores
from shared.contracts.receipts import ReceiptApprovalApproved, ReceiptApprovalRejected

log = structlog.get_logger(__name__)


class HeldReceiptHandlers:
    def __init__(self, stores: Stores, movements: MovementHandlers) -> None:
        self.catalog = stores.catalog
        self.orders = stores.orders
        self.movements = movements

    async def approved(self, event: ReceiptApprovalApproved) -> None:
        """Receive the held receipt the approver let in."""
        order = await self._order_holding(event)
        if order is None:
            return
        held = order.held_receipt(event.receipt_id)
        assert held is not None  # _order_holding found it
        location = await self.catalog.location(held.location_id)
        approver = event.decisions[-1].approver.user_id if event.decisions else "system"
        changed = await self.orders.change(
            event.order_id,
            event,
            lambda o: o.approve_held(event.receipt_id, location=location, decided_by=approver),
            missing=lambda: UnknownOrder(event.order_id),
            key=f"approve-held:{event.receipt_id}",
        )
        current = changed or await self.orders.get(event.order_id)
        claim = current.claim_for(event.receipt_id) if current else None
        if claim is not None:
            await self.movements.carry_out(event.order_id, claim, event)

    async def rejected(self, event: ReceiptApprovalRejected) -> None:
        """Refuse the held receipt, with the approver's notes (or why nobody may approve it)."""
        if await self._order_holding(event) is None:
            return
        if event.refusal == "rejected":
            reason = "over_receipt_rejected"
            detail = (
                f"{event.approver.name or event.approver.user_id} rejected the over-receipt "
                f"{event.receipt_id} of order {event.order_id}: {event.notes or 'no notes'}"
            )
        else:
            reason = "over_receipt"
            detail = (
                f"The receipt {event.receipt_id} goes beyond the tolerance of order "
                f"{event.order_id}, and nobody may approve it: {event.notes or event.refusal}"
            )
        decided_by = event.approver.user_id if event.refusal == "rejected" else None
        await self.orders.change(
            event.order_id,
            event,
            lambda o: o.refuse_held(
                event.receipt_id,
                reason=reason,
                detail=detail,
                decided_by=decided_by,
                notes=event.notes,
            ),
            missing=lambda: UnknownOrder(event.order_id),
            key=f"refuse-held:{event.receipt_id}",
        )

    async def _order_holding(
        self, event: ReceiptApprovalApproved | ReceiptApprovalRejected
    ) -> TrackedOrder | None:
        order = await self.orders.get(event.order_id)
        if order is None or order.held_receipt(event.receipt_id) is None:
            log.warning(
                "receipt_decision_ignored",
                order_id=event.order_id,
                receipt_id=event.receipt_id,
                why="no such held receipt",
            )
            return None
        return order
