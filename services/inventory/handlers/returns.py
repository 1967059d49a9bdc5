"""Returns of sales orders: authorized against what was issued, then received back into stock
or quarantine at the cost the goods left at.

Receiving runs as claim -> take each line into stock -> complete (see ``domain.returns``); each
step is keyed by the return, so a redelivered command, or another message for the same return
while it is being received, finishes the same work once.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from services.inventory.domain import Stock
from services.inventory.domain.errors import ReturnAlreadyReceived, UnknownOrder
from services.inventory.domain.returns import ReturnLine, ReturnRecord, ReturnState
from services.inventory.repository import Stores
from shared.contracts import AuthorizeReturn, ReceiveReturn

log = structlog.get_logger(__name__)


class ReturnHandlers:
    def __init__(self, stores: Stores) -> None:
        self.catalog = stores.catalog
        self.stock = stores.stock
        self.orders = stores.orders

    async def authorize(self, cmd: AuthorizeReturn) -> None:
        """Allow goods of an issued sales order back, within what was issued less returns."""
        await self.catalog.check_lines(cmd.lines)
        await self.orders.change(
            cmd.order_id,
            cmd,
            lambda order: order.authorize_return(
                return_id=cmd.return_id,
                message_id=str(cmd.message_id),
                lines=cmd.lines,
                reason=cmd.reason,
                notes=cmd.notes,
                by=cmd.authorized_by,
            ),
            missing=lambda: UnknownOrder(cmd.order_id),
        )
        log.info("return_authorized", order_id=cmd.order_id, return_id=cmd.return_id)

    async def receive(self, cmd: ReceiveReturn) -> None:
        """Take the authorized goods back: into stock, or its quarantine per the reason."""
        location = await self.catalog.location(cmd.location_id)
        message_id = str(cmd.message_id)
        claimed = await self.orders.change(
            cmd.order_id,
            cmd,
            lambda order: order.claim_return(
                return_id=cmd.return_id,
                location=location,
                message_id=message_id,
                by=cmd.received_by,
            ),
            missing=lambda: UnknownOrder(cmd.order_id),
            key=f"return-claim:{cmd.return_id}:{message_id}",
        )
        order = claimed or await self.orders.read(cmd.order_id)
        if order is None:
            raise UnknownOrder(cmd.order_id)  # pragma: no cover - orders are never deleted
        found = order.authorized_return(cmd.return_id)
        if found.state is ReturnState.RECEIVED:
            if found.received_message_id != message_id:
                raise ReturnAlreadyReceived(f"Return {cmd.return_id} was received already.")
            await self.orders.answer_again(cmd.order_id, cmd)  # this very message did it
            return
        await self._take_back(cmd, found)
        await self.orders.change(
            cmd.order_id,
            cmd,
            lambda order: order.complete_return(cmd.return_id),
            missing=lambda: UnknownOrder(cmd.order_id),
            key=f"return-done:{cmd.return_id}",
        )
        log.info(
            "return_received",
            order_id=cmd.order_id,
            return_id=cmd.return_id,
            destination=found.destination.value,
        )

    async def _take_back(self, cmd: ReceiveReturn, found: ReturnRecord) -> None:
        assert found.location_id is not None
        location = await self.catalog.location(found.location_id)
        for line in found.lines:
            await self.stock.change(
                location,
                line.sku,
                cmd,
                _taker(cmd.order_id, found, line),
                key=f"return:{cmd.order_id}:{found.return_id}:{line.sku}",
            )


def _taker(order_id: str, found: ReturnRecord, line: ReturnLine) -> Callable[[Stock], None]:
    """Take one line of the return in at the cost it left at."""
    return lambda stock: stock.receive_return(
        order_id=order_id,
        return_id=found.return_id,
        quantity=line.quantity,
        unit_cost=line.unit_cost,
        currency=found.currency,
        quarantine=found.quarantine,
    )
