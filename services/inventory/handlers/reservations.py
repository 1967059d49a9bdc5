"""Order events: learn which orders exist and are approved, and keep sales orders' stock held.

Reserving writes the stock first and the order second; releasing writes the order first and the
stock second. The order's ``seq`` joins the two: a reservation is recorded only if the order did
not change meanwhile, otherwise whoever reserved trims the stock back to what the order now
allows. So however the events interleave, stock ends up holding what the latest state asks for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from services.inventory.domain import ReservationChanged, ReservationPlan, Stock, TrackedOrder
from services.inventory.domain.costing import net_unit_costs
from services.inventory.domain.errors import UnknownOrder
from services.inventory.domain.holds import Holder
from services.inventory.domain.stock import ZERO
from services.inventory.handlers.holds import trim_holds
from services.inventory.repository import Stores
from shared.contracts import (
    Message,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderKind,
    OrderRejected,
    OrderStockHoldRequested,
    OrderSubmitted,
)
from shared.storage.aggregates import AlreadyExists

OrderEvent = (
    OrderSubmitted
    | OrderStockHoldRequested
    | OrderApproved
    | OrderRejected
    | OrderCancelled
    | OrderCompleted
)


class ReservationHandlers:
    def __init__(self, stores: Stores, *, reservation_ttl: timedelta) -> None:
        self.catalog = stores.catalog
        self.stock = stores.stock
        self.orders = stores.orders
        self.reservation_ttl = reservation_ttl

    async def order_submitted(self, event: OrderSubmitted | OrderStockHoldRequested) -> None:
        """Learn the order; for a sales order, hold what is available (softly) and say so. A
        stock hold (a branch that refuses short orders) holds everything or nothing: the stock
        records are the one place concurrent orders meet, so two cannot both be held in full."""
        location = await self._sales_location(event)
        expires_at = event.occurred_at + self.reservation_ttl
        unit_costs = _purchase_costs(event)

        def submit(order: TrackedOrder) -> None:
            order.submitted(
                attempt=event.attempt,
                branch_id=event.branch_id,
                lines=event.lines,
                sales_location=location,
                expires_at=expires_at,
                all_or_nothing=isinstance(event, OrderStockHoldRequested),
                currency=event.currency,
                unit_costs=unit_costs,
            )

        if event.attempt == 1 and await self._add_holding(event, submit):
            return
        await self._learn(event, submit)
        await self.reserve(event.order_id, event)

    async def _add_holding(
        self,
        event: OrderSubmitted | OrderStockHoldRequested,
        submit: Callable[[TrackedOrder], None],
    ) -> bool:
        """The first we hear of a sales order: hold its stock, then store the order with what is
        held, in one write (not a write to learn it and another to record the hold). Tells
        whether it did; False when the order is known already (another event, or this one
        delivered again, stored it): this hold gives back what the stored order may not hold,
        and the usual way applies the event to the stored order."""
        order = TrackedOrder.new(order_id=event.order_id, kind=event.kind, party_id=event.party_id)
        submit(order)
        plan = order.reservation_plan()
        if plan is None or plan.location_id is None:
            return False
        held = {
            sku: await self._hold(order.id, plan, sku, need, event)
            for sku, need in plan.needs.items()
        }
        order.record_reservation(plan, held)
        try:
            await self.orders.add(order, cause=event)
        except AlreadyExists:
            await self._release_beyond_stored(order, event)
            return False
        if order.dirty_since is not None:
            await self.trim(order.id, event)  # a stock hold that came up short lets all go
        return True

    async def _release_beyond_stored(self, mine: TrackedOrder, event: Message) -> None:
        """The order was stored by someone else while this hold was taken: whatever the hold
        took beyond what the stored order may hold goes back (the stored order does not know
        of this hold, so its own trims would not)."""
        stored = await self.orders.read(mine.id)
        allowed = stored.reservation_targets() if stored is not None else {}
        await trim_holds(
            self.stock,
            Holder.sales_order(mine.id),
            {record: allowed.get(record, ZERO) for record in mine.reservation_targets()},
            event,
            key=f"trim:{mine.id}:unstored:{event.message_id}",
        )

    async def order_approved(self, event: OrderApproved) -> None:
        """Receipts or issues may start; a sales order's reservation turns firm (and tops up).

        Usually one write of the order and none of the stock. It cannot be left for a later
        write to carry: nothing else is written at approval, expiry goes by the stored state
        (a soft reservation of an order stored as submitted runs out), and the firm reservation
        is announced now (``ReservationConfirmed``), not at the first issue."""
        location = await self._sales_location(event)
        unit_costs = _purchase_costs(event)

        def approve(order: TrackedOrder) -> None:
            order.approved(
                attempt=event.attempt,
                branch_id=event.branch_id,
                lines=event.lines,
                sales_location=location,
                currency=event.currency,
                unit_costs=unit_costs,
            )

        if await self._learn_already_held(event, approve):
            return
        await self._learn(event, approve)
        await self.reserve(event.order_id, event)

    async def _learn_already_held(
        self, event: OrderApproved, learn: Callable[[TrackedOrder], object]
    ) -> bool:
        """Learn the event and record the reservation in one write, when the stock already holds
        what the order then needs (the usual approval of a reserved order): no stock moves, so
        nothing has to be written before the order. Tells whether it did."""
        trial = await self.orders.get(event.order_id)
        if trial is None or trial.has_applied(event.message_id):
            return False
        # A trial on this copy of its own (the store builds one per look; the write below
        # starts from another), not on a deep copy of it: copying cost more than the rest.
        learn(trial)
        plan = trial.reservation_plan()
        if plan is None or plan.location_id is None:
            return False
        held: dict[str, Decimal] = {}
        for sku, need in plan.needs.items():
            stock = await self.stock.get(sku, plan.location_id)
            already = _held_as_wanted(stock, trial.id, need) if stock else None
            if already is None:
                return False  # the stock must change first: the two-step way
            held[sku] = already

        def learn_and_record(order: TrackedOrder) -> None:
            learn(order)
            now = order.reservation_plan()
            if now is None or now != plan.model_copy(update={"seq": now.seq}):
                raise ReservationChanged(f"{order.id}: changed since it was planned")
            order.record_reservation(now, held)

        try:
            await self.orders.change(trial.id, event, learn_and_record, missing=_gone(event))
        except ReservationChanged:
            return False
        return True

    async def order_rejected(self, event: OrderRejected) -> None:
        await self._learn(event, lambda order: order.rejected(attempt=event.attempt))
        await self.trim(event.order_id, event)

    async def order_cancelled(self, event: OrderCancelled) -> None:
        await self._learn(event, lambda order: order.cancelled())
        await self.trim(event.order_id, event)

    async def order_completed(self, event: OrderCompleted) -> None:
        """An order closed short takes no more goods and lets its reservation go; one completed
        in full needs nothing more from inventory (and costs no database work)."""
        if not event.closed_short:
            return
        await self._learn(event, lambda order: order.closed())
        await self.trim(event.order_id, event)

    async def _sales_location(
        self, event: OrderSubmitted | OrderStockHoldRequested | OrderApproved
    ) -> str | None:
        if event.kind is not OrderKind.SALES:
            return None
        return await self.catalog.sales_location(event.branch_id)

    async def _learn(self, event: OrderEvent, mutate: Callable[[TrackedOrder], object]) -> None:
        """Apply ``event`` to the order, creating it if this is the first we hear of it."""
        # A first submission is usually the first we hear of an order: try creating it first.
        new = isinstance(event, OrderSubmitted) and event.attempt == 1
        for _ in range(3):
            if not new and await self.orders.get(event.order_id) is not None:
                await self.orders.change(event.order_id, event, mutate, missing=_gone(event))
                return
            new = False
            order = TrackedOrder.new(
                order_id=event.order_id, kind=event.kind, party_id=event.party_id
            )
            mutate(order)
            try:
                await self.orders.add(order, cause=event)
            except AlreadyExists:
                continue  # another event about it got there first: apply ours to that
            return

    async def reserve(self, order_id: str, cause: Message) -> None:
        """Hold what the order needs where it can be had, then record what is held."""
        order = await self.orders.get(order_id)
        plan = order.reservation_plan() if order else None
        if plan is not None:
            held = {
                sku: await self._hold(order_id, plan, sku, need, cause)
                for sku, need in plan.needs.items()
            }
            try:
                recorded = await self.orders.change(
                    order_id,
                    cause,
                    lambda order: order.record_reservation(plan, held),
                    missing=lambda: UnknownOrder(order_id),
                    key=f"reservation:{plan.seq}:{cause.message_id}",
                )
                if recorded is None or recorded.dirty_since is None:
                    return
                # A stock hold that came up short lets everything go at once.
            except ReservationChanged:
                pass  # the newer change announces itself; we only undo what we may over-hold
        await self.trim(order_id, cause)

    async def _hold(
        self, order_id: str, plan: ReservationPlan, sku: str, need: Decimal, cause: Message
    ) -> Decimal:
        if plan.location_id is None:
            return ZERO  # the branch has no location yet
        stock = await self.stock.get(sku, plan.location_id)
        if stock is None:
            return ZERO  # nothing ever moved there (or the item is unknown)
        if (already := _held_as_wanted(stock, order_id, need)) is not None:
            return already
        moved = await self.stock.change_existing(
            stock.id,
            cause,
            lambda stock: stock.reserve_toward(order_id=order_id, target=need, may_increase=True),
            key=f"reserve:{order_id}:{plan.seq}:{cause.message_id}",
        )
        return moved.reserved_for(order_id)

    async def trim(self, order_id: str, cause: Message) -> None:
        """Release whatever the order holds beyond what it may hold now (never adds)."""
        order = await self.orders.get(order_id)
        if order is None:
            return
        await trim_holds(
            self.stock,
            Holder.sales_order(order_id),
            order.reservation_targets(),
            cause,
            key=f"trim:{order_id}:{order.seq}:{cause.message_id}",
        )
        if order.dirty_since is not None:
            seq = order.seq
            await self.orders.change(
                order_id,
                cause,
                lambda order: order.mark_synced(seq),
                missing=lambda: UnknownOrder(order_id),
                key=f"synced:{seq}:{cause.message_id}",
            )


def _purchase_costs(
    event: OrderSubmitted | OrderStockHoldRequested | OrderApproved,
) -> dict[str, Decimal]:
    """A purchase order's net unit prices: what its receipts are valued at."""
    if event.kind is not OrderKind.PURCHASE:
        return {}
    return net_unit_costs(event.lines, event.pricing)


def _held_as_wanted(stock: Stock, order_id: str, need: Decimal) -> Decimal | None:
    """What the stock holds for the order, if that is what reserving ``need`` would hold (so no
    stock moves); None when reserving would change it."""
    wanted = stock.reservation_target(target=need, order_id=order_id, may_increase=True)
    return wanted if wanted == stock.reserved_for(order_id) else None


def _gone(event: OrderEvent) -> Callable[[], Exception]:
    return lambda: UnknownOrder(event.order_id)
