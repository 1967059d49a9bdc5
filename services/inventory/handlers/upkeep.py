"""Scheduled upkeep, run by one replica at a time: expire soft reservations, finish stalled work.

- a sales order that was not approved within the reservation time lets its stock go;
- an order whose stock may not match its reservation (its handler died midway) is trimmed;
- a receipt or issue claimed but not completed for a while is carried out (or undone).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from services.inventory.domain import ReservationState, TrackedOrder
from services.inventory.domain.errors import UnknownOrder
from services.inventory.handlers.movements import MovementHandlers
from services.inventory.handlers.reservations import ReservationHandlers
from services.inventory.repository import Stores
from shared.contracts import Message, utcnow
from shared.domain import DomainError

log = structlog.get_logger(__name__)

BATCH = 100


class Upkeep:
    def __init__(
        self,
        stores: Stores,
        reservations: ReservationHandlers,
        movements: MovementHandlers,
        *,
        stale_after: timedelta,
    ) -> None:
        self.orders = stores.orders
        self.reservations = reservations
        self.movements = movements
        self.stale_after = stale_after

    async def run(self) -> None:
        await self.expire_reservations()
        await self.resync_stale_orders()
        await self.resume_stale_claims()

    async def expire_reservations(self) -> None:
        now = utcnow()
        due = await self.orders.find(
            {
                "reservation.state": ReservationState.SOFT.value,
                "reservation.expires_at": {"$lte": now},
            },
            limit=BATCH,
        )
        for order in due:
            await self._expire(order, now)

    async def _expire(self, order: TrackedOrder, now: datetime) -> None:
        run = Message(correlation_id=order.id)  # no message caused this: the run did
        await self.orders.change(
            order.id,
            run,
            lambda order: order.expire_reservation(now=now),
            missing=lambda: UnknownOrder(order.id),
            key=f"expire:{order.attempt}",
        )
        await self.reservations.trim(order.id, run)
        log.info("reservation_expired", order_id=order.id, attempt=order.attempt)

    async def resync_stale_orders(self) -> None:
        stale = await self.orders.find(
            {"dirty_since": {"$lt": utcnow() - self.stale_after}}, limit=BATCH
        )
        for order in stale:
            await self.reservations.trim(order.id, Message(correlation_id=order.id))

    async def resume_stale_claims(self) -> None:
        before = utcnow() - self.stale_after
        stalled = await self.orders.find({"claims.claimed_at": {"$lt": before}}, limit=BATCH)
        for order in stalled:
            await self._resume(order, before)

    async def _resume(self, order: TrackedOrder, before: datetime) -> None:
        for claim in order.claims:
            if claim.claimed_at >= before:
                continue
            log.warning("claim_resumed", order_id=order.id, document_id=claim.document_id)
            try:
                await self.movements.carry_out(order.id, claim, Message(correlation_id=order.id))
            except DomainError as refused:
                # Nobody waits for an answer any more; the claim was undone.
                log.warning("claim_undone", order_id=order.id, reason=refused.reason)
