"""Goods receipt against approved purchase orders and goods issue against approved sales orders.

Each runs as claim -> move stock per line -> complete (see ``domain.orders``). Every step is
keyed, so a redelivered command, a duplicate delivery running at the same time, or the upkeep
job resuming a stalled claim all finish the same work exactly once.

The claim is a write of its own, made before any stock moves, because it is the one record of
the work that outlives the message. A handler that moved stock and then failed is not always
redelivered: a bug dead-letters its message at once, and a database outage can use up a quorum
queue's delivery limit. Its claim is still there, and upkeep finishes it. Moving the stock
first, then claiming and completing in one write, would save a round trip per issue but would
leave such stock moved with nothing on the order to say so (and the put-back of a refused issue
would have to fence off a duplicate delivery still taking its lines).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import structlog

from services.inventory.domain import Claim, ClaimState, Location, Stock, TrackedOrder, stock_id
from services.inventory.domain.costing import MovedCost
from services.inventory.domain.errors import InsufficientStock, UnknownOrder
from services.inventory.domain.stock import ZERO, cost_key
from services.inventory.handlers.reservations import ReservationHandlers
from services.inventory.repository import Stores
from shared.contracts import (
    IssueGoods,
    Message,
    MovementKind,
    OrderKind,
    ReceiveGoods,
    StockLine,
)

log = structlog.get_logger(__name__)


class MovementHandlers:
    def __init__(
        self,
        stores: Stores,
        reservations: ReservationHandlers,
        *,
        receipt_tolerance_percent: Decimal,
    ) -> None:
        self.catalog = stores.catalog
        self.stock = stores.stock
        self.orders = stores.orders
        self.reservations = reservations
        self.tolerance = receipt_tolerance_percent

    async def receive(self, cmd: ReceiveGoods) -> None:
        """Raise on-hand stock for an approved PO, within the ordered quantity plus tolerance;
        beyond it, hold the receipt for approval (``domain.held_receipts``)."""
        location = await self.catalog.location(cmd.location_id)
        await self.catalog.check_lines(cmd.lines)

        def claim(order: TrackedOrder) -> None:
            order.receive_or_hold(
                receipt_id=cmd.receipt_id,
                message_id=str(cmd.message_id),
                location=location,
                lines=cmd.lines,
                by=cmd.received_by,
                tolerance_percent=self.tolerance,
            )

        if (claimed := await self._claim(cmd, cmd.order_id, cmd.receipt_id, claim)) is not None:
            await self.carry_out(cmd.order_id, claimed, cmd)

    async def issue(self, cmd: IssueGoods) -> None:
        """Lower on-hand stock for an approved SO: never beyond the order, never below zero."""
        location = await self.catalog.location(cmd.location_id)
        await self.catalog.check_lines(cmd.lines)

        def claim(order: TrackedOrder) -> None:
            order.claim_issue(
                issue_id=cmd.issue_id,
                message_id=str(cmd.message_id),
                location=location,
                lines=cmd.lines,
                by=cmd.issued_by,
            )

        async def enough_stock(planned: Claim) -> None:
            # Refuse early what the stock clearly cannot cover; the move itself still decides.
            for line in planned.lines:
                record = await self.stock.get(line.sku, location.id) or Stock.empty(
                    sku=line.sku, location_id=location.id, branch_id=location.branch_id
                )
                record.check_issue(order_id=cmd.order_id, quantity=line.quantity)

        claimed = await self._claim(cmd, cmd.order_id, cmd.issue_id, claim, enough_stock)
        if claimed is not None:
            await self.carry_out(cmd.order_id, claimed, cmd)

    async def _claim(
        self,
        cmd: ReceiveGoods | IssueGoods,
        order_id: str,
        document_id: str,
        claim: Callable[[TrackedOrder], None],
        check_stock: Callable[[Claim], Awaitable[None]] | None = None,
    ) -> Claim | None:
        """Record the receipt or issue as pending on the order; None when it is already done."""
        message_id = str(cmd.message_id)
        order = await self.orders.get(order_id)
        if order is None:
            raise UnknownOrder(order_id)
        if (done := order.delivered(document_id)) is not None and done.message_id == message_id:
            await self.orders.answer_again(order_id, cmd)  # this very message completed it
            return None
        if (mine := order.claim_for(document_id)) is not None and mine.message_id == message_id:
            return mine  # this very message claimed it before: carry on
        if (held := order.held_receipt(document_id)) is not None and held.message_id == message_id:
            await self.orders.answer_again(order_id, cmd)  # this very message was held
            return None
        # The trial on this copy of its own (the store builds one per look; the write below
        # starts from another), not on a deep copy of it: copying cost more than the claim.
        trial = order
        claim(trial)  # refuses here, naming the rule
        if check_stock is not None and (planned := trial.claim_for(document_id)):
            await check_stock(planned)
        claimed = await self.orders.change(
            order_id,
            cmd,
            claim,
            missing=lambda: UnknownOrder(order_id),
            key=f"claim:{document_id}:{message_id}",
        )
        current = claimed or await self.orders.get(order_id)
        return current.claim_for(document_id) if current else None

    async def carry_out(self, order_id: str, claim: Claim, cause: Message) -> None:
        """Move the stock of a claimed receipt or issue, then complete it (or undo it)."""
        location = await self.catalog.location(claim.location_id)
        moved: dict[str, MovedCost | None] = {}
        if claim.kind is OrderKind.PURCHASE:
            for line in claim.lines:
                stock = await self.stock.change(
                    location,
                    line.sku,
                    cause,
                    _receiver(order_id, claim, line),
                    key=claim.movement_key(order_id, line.sku),
                )
                key = cost_key(MovementKind.RECEIPT, order_id, claim.document_id)
                moved[line.sku] = stock.cost_moved(key)
            await self._complete(order_id, claim, cause, moved)
            return
        if claim.state is ClaimState.PENDING:
            claim = await self._take(order_id, claim, location, cause, moved)
        if claim.state is ClaimState.FAILING:
            await self._put_back(order_id, claim, location, cause)
            raise InsufficientStock(claim.failure or "Not enough stock for this issue.")
        await self._complete(order_id, claim, cause, moved)
        await self.reservations.trim(order_id, cause)

    async def _take(
        self,
        order_id: str,
        claim: Claim,
        location: Location,
        cause: Message,
        moved: dict[str, MovedCost | None],
    ) -> Claim:
        """Issue each line; what each moved at cost goes into ``moved``."""
        taken: list[str] = []
        try:
            for line in claim.lines:
                stock = await self.stock.change(
                    location,
                    line.sku,
                    cause,
                    _issuer(order_id, claim.document_id, line.quantity),
                    key=claim.movement_key(order_id, line.sku),
                )
                key = cost_key(MovementKind.ISSUE, order_id, claim.document_id)
                moved[line.sku] = stock.cost_moved(key)
                taken.append(line.sku)
        except InsufficientStock as short:
            # Another issue took the stock between our check and our move.
            log.info("issue_lost_stock", order_id=order_id, issue_id=claim.document_id, taken=taken)
            failure = short.detail
            failed = await self.orders.change(
                order_id,
                cause,
                lambda order: order.fail_claim(claim.document_id, taken=taken, failure=failure),
                missing=lambda: UnknownOrder(order_id),
                key=f"fail:{claim.document_id}",
            )
            current = failed or await self.orders.get(order_id)
            stored = current.claim_for(claim.document_id) if current else None
            return stored or claim.model_copy(
                update={"state": ClaimState.FAILING, "taken": [], "failure": failure}
            )
        return claim

    async def _put_back(
        self, order_id: str, claim: Claim, location: Location, cause: Message
    ) -> None:
        quantities = {line.sku: line.quantity for line in claim.lines}
        order = await self.orders.get(order_id)
        targets = order.reservation_targets() if order else {}
        for sku in claim.taken:
            hold_up_to = targets.get(stock_id(sku, location.id), ZERO)
            await self.stock.change(
                location,
                sku,
                cause,
                _reverser(order_id, claim.document_id, quantities[sku], hold_up_to),
                key=claim.movement_key(order_id, sku, reversal=True),
            )
        await self.orders.change(
            order_id,
            cause,
            lambda order: order.drop_claim(claim.document_id),
            missing=lambda: UnknownOrder(order_id),
            key=f"drop:{claim.document_id}",
        )
        log.info(
            "issue_undone", order_id=order_id, issue_id=claim.document_id, put_back=claim.taken
        )

    async def _complete(
        self,
        order_id: str,
        claim: Claim,
        cause: Message,
        moved: dict[str, MovedCost | None],
    ) -> None:
        held = await self._held_for(order_id)

        def complete(order: TrackedOrder) -> None:
            order.complete(claim.document_id, moved)
            # An issue takes what it issues out of the reservation: when the stock holds no
            # more than the order still needs, it is in sync now, and need not be trimmed.
            targets = order.reservation_targets()
            if all(held.get(record, ZERO) <= target for record, target in targets.items()):
                order.mark_synced(order.seq)

        completed = await self.orders.change(
            order_id,
            cause,
            complete,
            missing=lambda: UnknownOrder(order_id),
            key=f"complete:{claim.document_id}",
        )
        if completed is not None:
            verb = "goods_received" if claim.kind is OrderKind.PURCHASE else "goods_issued"
            log.info(
                verb, order_id=order_id, document_id=claim.document_id, location=claim.location_id
            )

    async def _held_for(self, order_id: str) -> dict[str, Decimal]:
        """What each stock record the order may hold at holds for it now."""
        order = await self.orders.get(order_id)
        held: dict[str, Decimal] = {}
        for record_id in order.touched if order else []:
            stock = await self.stock.by_id(record_id)
            held[record_id] = stock.reserved_for(order_id) if stock else ZERO
        return held


def _receiver(order_id: str, claim: Claim, line: StockLine) -> Callable[[Stock], None]:
    """Receive one line at the order's net unit price, in its currency."""
    return lambda stock: stock.receive(
        order_id=order_id,
        receipt_id=claim.document_id,
        quantity=line.quantity,
        unit_cost=claim.unit_costs.get(line.sku),
        currency=claim.currency,
    )


def _issuer(order_id: str, issue_id: str, quantity: Decimal) -> Callable[[Stock], None]:
    return lambda stock: stock.issue(order_id=order_id, issue_id=issue_id, quantity=quantity)


def _reverser(
    order_id: str, issue_id: str, quantity: Decimal, hold_up_to: Decimal
) -> Callable[[Stock], None]:
    return lambda stock: stock.reverse_issue(
        order_id=order_id, issue_id=issue_id, quantity=quantity, hold_up_to=hold_up_to
    )
