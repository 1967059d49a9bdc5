"""Value types of an order as inventory knows it: lines, claims, deliveries, reservations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from services.inventory.domain.costing import exact_unit
from services.inventory.domain.stock import ZERO
from shared.contracts import LineCost, OrderKind, ReleaseReason, ReservedLine, StockLine, utcnow

KIND_NAME = {OrderKind.PURCHASE: "Purchase order", OrderKind.SALES: "Sales order"}


class OrderState(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    """Closed short by the order service: nothing more is received or issued against it."""


class TrackedLine(BaseModel):
    """One item of the order (order lines for the same sku are summed)."""

    sku: str
    ordered: Decimal
    fulfilled: Decimal = ZERO
    unit_cost: Decimal | None = Field(
        default=None, description="purchase orders: the net unit price a receipt is valued at"
    )
    issued_value: Decimal = Field(
        default=ZERO, description="sales orders: quantity x unit cost of the issues, exact"
    )
    issued_costed: Decimal = Field(
        default=ZERO, description="sales orders: the quantity issued with a known cost"
    )
    returned: Decimal = Field(
        default=ZERO, description="sales orders: the quantity authorized to come back"
    )

    @property
    def outstanding(self) -> Decimal:
        return max(self.ordered - self.fulfilled, ZERO)

    @property
    def issue_cost(self) -> Decimal | None:
        """What one unit issued for the order cost on average (6 decimals): returns come back
        at it."""
        if self.issued_costed == 0:
            return None
        return exact_unit(self.issued_value / self.issued_costed)


class ClaimState(StrEnum):
    PENDING = "pending"
    FAILING = "failing"


class Claim(BaseModel):
    """A receipt or issue being carried out (steps 1-3 above)."""

    document_id: str
    kind: OrderKind
    message_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    unit_costs: dict[str, Decimal] = Field(
        default_factory=dict, description="a receipt: each item's net unit price"
    )
    currency: str | None = Field(default=None, description="a receipt: the order's currency")
    state: ClaimState = ClaimState.PENDING
    taken: list[str] = Field(default_factory=list, description="skus moved before it failed")
    failure: str | None = None
    claimed_at: datetime = Field(default_factory=utcnow)

    def movement_key(self, order_id: str, sku: str, *, reversal: bool = False) -> str:
        step = (
            "reversal" if reversal else ("receipt" if self.kind is OrderKind.PURCHASE else "issue")
        )
        return f"{step}:{order_id}:{self.document_id}:{sku}"


class Delivery(BaseModel):
    """A completed receipt (PO) or issue (SO)."""

    document_id: str
    message_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    at: datetime
    costs: list[LineCost] = Field(default_factory=list)
    cost_currency: str | None = None


class ReservationState(StrEnum):
    SOFT = "soft"
    FIRM = "firm"
    RELEASED = "released"
    EXPIRED = "expired"


ACTIVE = frozenset({ReservationState.SOFT, ReservationState.FIRM})


class Reservation(BaseModel):
    """What a sales order should hold, and what it was last found to hold."""

    attempt: int
    location_id: str | None
    state: ReservationState
    expires_at: datetime | None = None
    lines: list[ReservedLine] = Field(default_factory=list)
    reason: ReleaseReason | None = None
    announced: bool = Field(
        default=False, description="whether ``lines`` in this state were told to the order service"
    )
    all_or_nothing: bool = Field(
        default=False,
        description="a stock hold before approval (order.stock_hold_requested): short, it "
        "holds nothing",
    )


class ReservationPlan(BaseModel):
    """Hold ``needs`` (per sku) at ``location_id`` for the order, as the order stood at ``seq``."""

    seq: int
    attempt: int
    location_id: str | None
    needs: dict[str, Decimal]


class ReservationChanged(Exception):
    """The order's reservation changed since the plan was made; the newer change decides."""


def totals(lines: list[StockLine]) -> dict[str, Decimal]:
    """Quantities per sku (lines for the same sku are summed)."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, ZERO) + line.quantity
    return totals
