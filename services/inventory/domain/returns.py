"""Returns of a sales order's goods, as its record in inventory keeps them.

A return is *authorized* against what the order issued (never more than issued less what
earlier returns took), fixing the cost each unit comes back at: the average cost the order's
issues of the item left at. It is then *received* in steps that can each be repeated: the order
*claims* it (the location is fixed), the stock of each line takes the goods in (keyed by the
return), and the order *completes* it, announcing ``ReturnReceived``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from services.inventory.domain.catalog import Location
from services.inventory.domain.costing import cost_of
from services.inventory.domain.errors import (
    DuplicateDocument,
    NotOnOrder,
    OrderNotIssued,
    ReturnAlreadyReceived,
    ReturnExceedsIssued,
    UnknownReturn,
    WrongOrderKind,
)
from services.inventory.domain.held_receipts import OrderWithHeldReceipts
from services.inventory.domain.order_parts import totals
from services.inventory.domain.stock import ZERO
from shared.contracts import (
    OrderKind,
    ReturnAuthorized,
    ReturnDestination,
    ReturnedLine,
    ReturnReason,
    ReturnReceived,
    StockLine,
    utcnow,
)


class ReturnState(StrEnum):
    AUTHORIZED = "authorized"
    RECEIVING = "receiving"
    RECEIVED = "received"


class ReturnLine(BaseModel):
    """One item allowed back, at the cost it left at (none when its issue had no cost)."""

    sku: str
    quantity: Decimal
    unit_cost: Decimal | None = None


class ReturnRecord(BaseModel):
    """One return authorization of the order and how far it was received."""

    return_id: str
    message_id: str
    reason: ReturnReason
    notes: str = ""
    lines: list[ReturnLine]
    currency: str | None = Field(default=None, description="the currency of the unit costs")
    authorized_by: str
    authorized_at: datetime = Field(default_factory=utcnow)
    state: ReturnState = ReturnState.AUTHORIZED
    location_id: str | None = None
    received_by: str | None = None
    received_message_id: str | None = None
    received_at: datetime | None = None

    @property
    def quarantine(self) -> bool:
        return not self.reason.restock

    @property
    def destination(self) -> ReturnDestination:
        return ReturnDestination.QUARANTINE if self.quarantine else ReturnDestination.STOCK


class OrderWithReturns(OrderWithHeldReceipts):
    returns: list[ReturnRecord] = Field(default_factory=list)

    def return_for(self, return_id: str) -> ReturnRecord | None:
        return next((r for r in self.returns if r.return_id == return_id), None)

    def authorize_return(
        self,
        *,
        return_id: str,
        message_id: str,
        lines: list[StockLine],
        reason: ReturnReason,
        notes: str,
        by: str,
    ) -> None:
        """Allow ``lines`` back: never more of an item than issued less earlier returns."""
        if self.kind is not OrderKind.SALES:
            raise WrongOrderKind(f"{self.name} cannot take goods back: only a sales order can.")
        if (existing := self.return_for(return_id)) is not None:
            raise DuplicateDocument(
                f"Return {return_id} of {self.name} was authorized already "
                f"({existing.state.value}); nothing changed."
            )
        if all(line.fulfilled == 0 for line in self.lines):
            raise OrderNotIssued(f"{self.name} issued no goods: nothing can come back.")
        wanted = totals(lines)
        for sku, quantity in wanted.items():
            if (line := self.line(sku)) is None:
                raise NotOnOrder(f"{sku} is not on {self.name}.")
            if quantity > (returnable := line.fulfilled - line.returned):
                raise ReturnExceedsIssued(
                    f"{quantity} of {sku} cannot come back: {line.fulfilled} issued for "
                    f"{self.name}, {line.returned} already returned or authorized, so "
                    f"{returnable} returnable."
                )
        assert self.branch_id is not None  # an order that issued goods knows its branch
        allowed: list[ReturnLine] = []
        for sku, quantity in wanted.items():
            line = self._ordered_line(sku)
            line.returned += quantity
            allowed.append(ReturnLine(sku=sku, quantity=quantity, unit_cost=line.issue_cost))
        self.returns.append(
            ReturnRecord(
                return_id=return_id,
                message_id=message_id,
                reason=reason,
                notes=notes,
                lines=allowed,
                currency=self.cost_currency,
                authorized_by=by,
            )
        )
        self.updated_at = utcnow()
        self.record(
            ReturnAuthorized(
                return_id=return_id,
                order_id=self.id,
                branch_id=self.branch_id,
                lines=[StockLine(sku=line.sku, quantity=line.quantity) for line in allowed],
                reason=reason,
                notes=notes,
                authorized_by=by,
            )
        )

    def authorized_return(self, return_id: str) -> ReturnRecord:
        if (found := self.return_for(return_id)) is None:
            raise UnknownReturn(f"No return {return_id} was authorized for {self.name}.")
        return found

    def claim_return(self, *, return_id: str, location: Location, message_id: str, by: str) -> None:
        """Start receiving the return at ``location`` (one being received carries on where it
        was started)."""
        found = self.authorized_return(return_id)
        if found.state is ReturnState.RECEIVED:
            raise ReturnAlreadyReceived(
                f"Return {return_id} of {self.name} was received already at "
                f"{found.location_id}; nothing changed."
            )
        if found.state is ReturnState.RECEIVING:
            return
        self._check_branch(location)
        found.state, found.location_id = ReturnState.RECEIVING, location.id
        found.received_by, found.received_message_id = by, message_id
        self.updated_at = utcnow()

    def complete_return(self, return_id: str) -> None:
        """The goods of the return are in: announce it, with the cost they came back at."""
        found = self.authorized_return(return_id)
        if found.state is not ReturnState.RECEIVING:
            return
        # Set by the claim (and an order that issued goods knows its branch).
        assert found.location_id
        assert found.received_by
        assert self.branch_id
        found.state, found.received_at = ReturnState.RECEIVED, utcnow()
        self.updated_at = found.received_at
        currency = found.currency
        lines = [
            ReturnedLine(
                sku=line.sku,
                quantity=line.quantity,
                unit_cost=line.unit_cost or ZERO,
                cost=cost_of(line.quantity, line.unit_cost, currency)
                if line.unit_cost is not None and currency is not None
                else ZERO,
            )
            for line in found.lines
        ]
        costed = currency is not None and any(line.unit_cost is not None for line in found.lines)
        self.record(
            ReturnReceived(
                return_id=return_id,
                order_id=self.id,
                branch_id=self.branch_id,
                location_id=found.location_id,
                destination=found.destination,
                reason=found.reason,
                lines=lines,
                currency=currency if costed else None,
                received_by=found.received_by,
            )
        )
