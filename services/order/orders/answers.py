"""What the order queries answer: an order, a list of orders, an order's timeline.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from services.order.common.answers import TimelineEntryAnswer
from services.order.orders.domain.fulfilment import StockState
from shared.contracts import (
    LineAvailability,
    OrderKind,
    OrderLine,
    PricedDocument,
    PricingTerms,
    ReservedLine,
    StockAvailability,
    StockLine,
)
from shared.contracts.common import DecimalText
from shared.contracts.parties import OrderFlag
from shared.contracts.statuses import OrderStatus
from shared.http import Answer

ZERO = Decimal(0)


class StoryEntry(TimelineEntryAnswer):
    """A timeline entry of an order's story, naming the document it is about."""

    document: Literal["order", "quotation", "rfq", "cart"]
    document_id: str


class CameFrom(Answer):
    """The quotation, RFQ or cart an order was made from."""

    document: Literal["quotation", "rfq", "cart"]
    id: str


class OrderTimelineAnswer(Answer):
    """``GET /orders/timeline``: every event about an order and the document it came from."""

    order_id: str
    status: OrderStatus
    came_from: list[CameFrom]
    timeline: list[StoryEntry]


# --- GET /orders --------------------------------------------------------------------------


class OrderHistoryEntry(Answer):
    status: OrderStatus
    at: datetime
    attempt: int = 0
    by: str | None = None
    level: int | None = None
    note: str | None = None


class PendingApprovalAnswer(Answer):
    """The approval level an order waits for, and whom."""

    level: int | None = None
    levels: int | None = None
    approver_id: str | None = None
    approver_name: str | None = None
    since: datetime | None = None


class RejectionAnswer(Answer):
    attempt: int
    level: int | None = None
    approver_id: str | None = None
    notes: str | None = None
    at: datetime


class LineFulfilmentAnswer(Answer):
    """One order line: ordered, and received (PO) or issued (SO) so far."""

    line: int
    sku: str
    ordered: DecimalText
    fulfilled: DecimalText = ZERO


class OrderDeliveryAnswer(Answer):
    """One goods receipt or goods issue against the order."""

    document_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    at: datetime


class StockCheckAnswer(Answer):
    """What inventory holds for a sales order (its latest stock validation)."""

    attempt: int
    status: StockState
    firm: bool = False
    location_id: str | None = None
    lines: list[ReservedLine] = []
    released_because: str | None = None
    at: datetime


class StockHoldAnswer(Answer):
    """A submission waiting for inventory to hold the order's stock, all of it or none."""

    attempt: int
    submitted_by: str
    returns_to: OrderStatus


class StockRefusalAnswer(Answer):
    """Why the latest submission was refused for stock: each item, requested and available."""

    attempt: int
    detail: str
    shortages: list[LineAvailability]
    at: datetime


class OrderListed(Answer):
    """One order of a list: its status, party, total and dates (not its lines or history)."""

    order_id: str
    kind: OrderKind
    status: OrderStatus
    party_id: str
    branch_id: str
    currency: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    total: DecimalText | None = None
    """The grand total (none for an order stored before pricing)."""


class OrderAnswer(Answer):
    """One purchase or sales order: lines, pricing, approval, stock, fulfilment, history and
    timeline."""

    order_id: str
    kind: OrderKind
    party_id: str
    branch_id: str
    created_by: str
    currency: str
    lines: list[OrderLine]
    notes: str | None = None
    status: OrderStatus
    attempt: int = 0
    pending: PendingApprovalAnswer | None = None
    last_rejection: RejectionAnswer | None = None
    history: list[OrderHistoryEntry] = []
    created_at: datetime
    updated_at: datetime
    fulfilment: list[LineFulfilmentAnswer] = []
    deliveries: list[OrderDeliveryAnswer] = []
    stock: StockCheckAnswer | None = None
    quotation_id: str | None = None
    rfq_id: str | None = None
    terms: PricingTerms = PricingTerms()
    pricing: PricedDocument | None = None
    timeline: list[TimelineEntryAnswer] = []
    availability: StockAvailability | None = None
    held_items: list[str] = []
    cart_id: str | None = None
    hold: StockHoldAnswer | None = None
    stock_refusal: StockRefusalAnswer | None = None
    flags: list[OrderFlag] = Field(
        default=[],
        description="what the order was accepted with that a person should look at, as of its "
        "last create, update or submit at a branch that allows it (unknown_party: allow): its "
        "customer or vendor unknown, blocked, on hold or buying in another currency, or a "
        "`discontinued_product` (any purchase order)",
    )
    payment_terms_days: int | None = Field(
        default=None, description="the customer's or vendor's payment terms, in days"
    )
    tax_exemption: str | None = Field(
        default=None, description="the tax exemption certificate the order is priced under"
    )
    version: int
