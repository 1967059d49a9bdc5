"""Commands the inventory service accepts and the events it publishes.

Quantities are ``Decimal``. A receipt or issue carries its own id (``receipt_id``,
``issue_id``) besides its ``message_id``: resending the same business document under a new
message is recognised too. Every change of on-hand or reserved stock is also published as one
``StockMoved`` ledger entry.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.contracts.base import Command, Event
from shared.contracts.common import (
    AS_TEXT,
    FROM_TEXT,
    CurrencyCode,
    DecimalText,
    Identifier,
    Quantity,
    UnitPrice,
)
from shared.contracts.products import ProductStatus


def _not_zero(value: Decimal) -> Decimal:
    if value == 0:
        raise ValueError("must not be zero")
    return value


SignedQuantity = Annotated[
    Decimal,
    Field(max_digits=18, decimal_places=6, allow_inf_nan=False),
    AfterValidator(_not_zero),
    FROM_TEXT,
    AS_TEXT,
]
"""A change of stock: positive adds, negative removes, zero means nothing and is refused."""

Reason = Annotated[str, Field(min_length=1, max_length=500)]


class StockLine(BaseModel):
    """How much of one item a receipt, issue or reservation is about."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: Quantity


StockLines = Annotated[list[StockLine], Field(min_length=1, max_length=500)]


class LineCost(BaseModel):
    """What the goods of one item that a movement moved are worth at cost: ``quantity`` at
    ``unit_cost`` (the item's moving average cost at the location, or a receipt's purchase
    price), ``cost`` = quantity x unit_cost rounded to the currency's minor unit. A movement
    out of stock carries a positive cost: the direction is the event's."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: DecimalText
    unit_cost: DecimalText
    cost: DecimalText


Costs = Annotated[
    list[LineCost],
    Field(
        description="what the movement is worth at cost, per item; empty for an item with no "
        "cost known yet"
    ),
]
CostCurrency = Annotated[CurrencyCode | None, Field(description="the currency of ``costs``")]


# --- commands -------------------------------------------------------------------------------


class DefineItem(Command):
    """Register an item (stock keeping unit) and the unit it is counted in; with
    ``expected_version``, change the product record of an item already defined.

    The item is the product's one home in OMS (the business's product system maintains the
    same record with ``product.upserted``). Without ``expected_version`` the command defines a
    new item as it always did: a second definition of the sku is refused (item_exists). With
    the version the change was made on (0 for a new item or one defined before versions), the
    whole record is replaced and its version becomes that one plus one; another stored version
    is refused (stale_record),
    and so is a new unit of measure, or fewer decimal places, while the item has stock or open
    orders (unit_change_with_stock)."""

    ordering_key: ClassVar[str | None] = "sku"
    routing_key: ClassVar[str] = "inventory.define_item"
    answered_by: ClassVar[tuple[str, ...]] = ("inventory.item_defined",)
    sku: Identifier
    name: str = Field(min_length=1, max_length=200)
    unit_of_measure: str = Field(min_length=1, max_length=20, examples=["each", "kg"])
    decimal_places: int = Field(
        default=0, ge=0, le=6, description="how finely the item is counted: 0 for whole units"
    )
    description: str | None = Field(default=None, max_length=2000)
    tax_codes: list[Identifier] = Field(
        default_factory=list,
        max_length=5,
        description="the tax codes of order lines that name none",
    )
    status: ProductStatus = Field(
        default=ProductStatus.ACTIVE,
        description="`discontinued`: no new orders with it (discontinued_product)",
    )
    product_group: Identifier | None = None
    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="the product version the change was made on (the item's `version` in "
        "`GET /items`): the stored record is replaced and its version becomes this plus one; "
        "another stored version is refused (stale_record), an unknown sku unknown_item. 0: a "
        "new item, or a change of one defined before versions (stale_record when it has a "
        "version). Absent: a new item, as always (item_exists when the sku is taken)",
    )


class DefineLocation(Command):
    """Register a warehouse of a branch where stock is kept."""

    ordering_key: ClassVar[str | None] = "location_id"
    routing_key: ClassVar[str] = "inventory.define_location"
    answered_by: ClassVar[tuple[str, ...]] = ("inventory.location_defined",)
    location_id: Identifier
    branch_id: Identifier
    warehouse: str = Field(min_length=1, max_length=100)
    sales_location: bool = Field(
        default=False, description="the branch's sales orders reserve and issue here"
    )


class SetOpeningBalance(Command):
    """Record the counted quantity of an item at a location when stock-keeping starts there,
    and, optionally, what one unit of it cost (``unit_cost`` with its ``currency``: both or
    neither). Without a cost the units have none until the first costed receipt, whose price
    then becomes the average of every unit on hand."""

    ordering_key: ClassVar[str | None] = "sku"
    routing_key: ClassVar[str] = "inventory.set_opening_balance"
    answered_by: ClassVar[tuple[str, ...]] = ("inventory.opening_balance_set",)
    acting_person: ClassVar[str | None] = "set_by"
    sku: Identifier
    location_id: Identifier
    quantity: Quantity
    reason: Reason
    set_by: Identifier
    unit_cost: UnitPrice | None = Field(
        default=None,
        description="what one unit on hand cost (up to 6 decimals): the item's moving average "
        "cost at the location starts from it",
    )
    currency: CurrencyCode | None = Field(
        default=None,
        description="the currency of unit_cost: the item is costed in it at this location",
    )

    @model_validator(mode="after")
    def _cost_has_currency(self) -> SetOpeningBalance:
        if (self.unit_cost is None) != (self.currency is None):
            raise ValueError("unit_cost and currency: give both or neither")
        return self


class AdjustStock(Command):
    """Correct on-hand stock (count difference, damage, found goods) and say why."""

    ordering_key: ClassVar[str | None] = "sku"
    routing_key: ClassVar[str] = "inventory.adjust_stock"
    answered_by: ClassVar[tuple[str, ...]] = ("inventory.stock_adjusted",)
    acting_person: ClassVar[str | None] = "adjusted_by"
    adjustment_id: Identifier
    sku: Identifier
    location_id: Identifier
    quantity: SignedQuantity
    reason: Reason
    adjusted_by: Identifier


class ReceiveGoods(Command):
    """Goods arrived against an approved purchase order (all or part of it). An item may be
    over-received by up to the inventory service's tolerance, ``OMS_RECEIPT_TOLERANCE_PERCENT``
    (5 % of the ordered quantity by default), counting receipts in flight: 105 of 100 ordered
    are received at once (``inventory.goods_received``). A receipt taking any item beyond it
    (106 of 100) is held, nothing moved into stock, and answered ``inventory.receipt_held``;
    the approver of the vendor's purchase cycle decides it (``approval.receipt_pending``):
    approved, it is received (``inventory.goods_received``); rejected, or the vendor in no
    purchase cycle, it is refused (``inventory.receipt_refused``, reason
    ``over_receipt_rejected`` with the approver's notes, or ``over_receipt``). Each quantity
    must suit the item's ``decimal_places`` (``invalid_quantity``)."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.receive_goods"
    answered_by: ClassVar[tuple[str, ...]] = (
        "inventory.goods_received",
        "inventory.receipt_held",
    )
    acting_person: ClassVar[str | None] = "received_by"
    receipt_id: Identifier
    order_id: Identifier
    location_id: Identifier
    lines: StockLines
    received_by: Identifier


class IssueGoods(Command):
    """Goods leave stock against an approved sales order (all or part of it)."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.issue_goods"
    answered_by: ClassVar[tuple[str, ...]] = ("inventory.goods_issued",)
    acting_person: ClassVar[str | None] = "issued_by"
    issue_id: Identifier
    order_id: Identifier
    location_id: Identifier
    lines: StockLines
    issued_by: Identifier


# --- events ---------------------------------------------------------------------------------


class ItemDefined(Event):
    """An item's whole product record as inventory now holds it: defined, changed by
    ``inventory.define_item``, or taken from the product system's ``product.upserted``. The
    other services keep their copy from this event (a copy keeps the highest version)."""

    ordering_key: ClassVar[str | None] = "sku"
    routing_key: ClassVar[str] = "inventory.item_defined"
    sku: Identifier
    name: str
    unit_of_measure: str
    decimal_places: int
    description: str | None = None
    tax_codes: list[Identifier] = Field(default_factory=list)
    status: ProductStatus = ProductStatus.ACTIVE
    product_group: Identifier | None = None
    version: int = Field(
        default=0,
        description="the product's version (product.upserted's, or one more than the stored "
        "one for inventory.define_item); 0 from before versions",
    )


class LocationDefined(Event):
    ordering_key: ClassVar[str | None] = "location_id"
    routing_key: ClassVar[str] = "inventory.location_defined"
    location_id: Identifier
    branch_id: Identifier
    warehouse: str
    sales_location: bool


class OpeningBalanceSet(Event):
    ordering_key: ClassVar[str | None] = "sku"
    routing_key: ClassVar[str] = "inventory.opening_balance_set"
    sku: Identifier
    location_id: Identifier
    branch_id: Identifier
    quantity: DecimalText
    reason: str
    set_by: Identifier
    on_hand: DecimalText
    unit_cost: DecimalText | None = Field(
        default=None, description="the unit cost the opening balance was set at, if any"
    )
    cost_currency: CostCurrency = None


class StockAdjusted(Event):
    ordering_key: ClassVar[str | None] = "sku"
    routing_key: ClassVar[str] = "inventory.stock_adjusted"
    adjustment_id: Identifier
    sku: Identifier
    location_id: Identifier
    branch_id: Identifier
    quantity: DecimalText
    reason: str
    adjusted_by: Identifier
    on_hand: DecimalText
    costs: Costs = []
    cost_currency: CostCurrency = None


class LineProgress(BaseModel):
    """One item of an order: ordered, and received (PO) or issued (SO) so far."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    ordered: DecimalText
    fulfilled: DecimalText


class GoodsReceived(Event):
    """A receipt raised on-hand stock; ``order_lines`` says how far the PO is received."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.goods_received"
    order_id: Identifier
    receipt_id: Identifier
    location_id: Identifier
    branch_id: Identifier
    lines: list[StockLine]
    received_by: Identifier
    order_lines: list[LineProgress]
    fully_received: bool
    costs: Costs = []
    cost_currency: CostCurrency = None
    uncosted: list[Identifier] = Field(
        default=[],
        description="items received whose purchase price was left out of their cost: the item "
        "is costed in another currency at the location (or the order has no price for it); "
        "they entered at the item's current average cost and are not in ``costs``",
    )


class GoodsIssued(Event):
    """An issue lowered on-hand stock; what the SO still waits for is its ``backorder``."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.goods_issued"
    order_id: Identifier
    issue_id: Identifier
    location_id: Identifier
    branch_id: Identifier
    lines: list[StockLine]
    issued_by: Identifier
    order_lines: list[LineProgress]
    backorder: list[StockLine]
    completed: bool
    costs: Costs = []
    cost_currency: CostCurrency = None


class StockStatus(StrEnum):
    CONFIRMED = "confirmed"
    SHORT = "short"


class ReservedLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    needed: DecimalText
    reserved: DecimalText

    @property
    def short(self) -> Decimal:
        return max(self.needed - self.reserved, Decimal(0))


class _ReservationFacts(Event):
    ordering_key: ClassVar[str | None] = "order_id"
    order_id: Identifier
    attempt: int = Field(ge=1)
    location_id: Identifier | None = Field(description="None: the branch has no location yet")
    lines: list[ReservedLine]
    stock_status: StockStatus


class StockReserved(_ReservationFacts):
    """A submitted sales order's stock was checked and what is available held (softly)."""

    routing_key: ClassVar[str] = "inventory.stock_reserved"
    expires_at: datetime | None


class ReservationConfirmed(_ReservationFacts):
    """The sales order was approved: its reservation is firm (topped up where stock allowed)."""

    routing_key: ClassVar[str] = "inventory.reservation_confirmed"


class ReleaseReason(StrEnum):
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    CLOSED_SHORT = "closed_short"
    STOCK_SHORT = "stock_short"
    """A stock hold (``order.stock_hold_requested``) could not hold everything: nothing is held."""


class ReservationReleased(Event):
    """The sales order no longer holds stock: rejected, cancelled, or never approved in time."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.reservation_released"
    order_id: Identifier
    attempt: int = Field(ge=1)
    location_id: Identifier | None
    reason: ReleaseReason
    lines: list[ReservedLine]


class MovementKind(StrEnum):
    OPENING = "opening"
    RECEIPT = "receipt"
    ISSUE = "issue"
    ISSUE_REVERSAL = "issue_reversal"
    ADJUSTMENT = "adjustment"
    RESERVATION = "reservation"
    RETURN = "return"
    """Goods of a sales order came back into sellable stock (``reference``: the return id)."""
    QUARANTINE = "quarantine"
    """Goods of a sales order came back into the location's quarantine: ``quarantined_change``,
    on hand unchanged."""


class SourceType(StrEnum):
    OPENING_BALANCE = "opening_balance"
    ADJUSTMENT = "adjustment"
    PURCHASE_ORDER = "purchase_order"
    SALES_ORDER = "sales_order"
    WORK_ORDER = "work_order"


class StockMoved(Event):
    """One ledger entry: a change of on-hand or reserved stock of one item at one location.

    The message that caused it is the envelope's ``causation_id``. ``sequence`` numbers the
    movements of one item at one location from 1, without gaps.
    """

    # Entries are keyed by movement id and need no order: the ledger stores them as they come.
    ordering_key: ClassVar[str | None] = None
    routing_key: ClassVar[str] = "inventory.stock_moved"
    movement_id: str = Field(min_length=1, max_length=300)
    kind: MovementKind
    sku: Identifier
    location_id: Identifier
    branch_id: Identifier
    on_hand_change: DecimalText
    reserved_change: DecimalText
    on_hand_after: DecimalText
    reserved_after: DecimalText
    source_type: SourceType
    source_id: str = Field(description="the order id, work order id, adjustment id, or 'opening'")
    reference: str | None = Field(
        default=None, description="receipt or issue id (a work order's completion id)"
    )
    reason: str | None = None
    sequence: int = Field(ge=1)
    unit_cost: DecimalText | None = Field(
        default=None, description="the unit cost the goods moved at; none: no cost known"
    )
    cost: DecimalText | None = Field(
        default=None,
        description="quantity moved x unit_cost, to the currency's minor unit (positive either "
        "way: the direction is the movement's)",
    )
    cost_currency: CostCurrency = None
    average_cost: DecimalText | None = Field(
        default=None,
        description="the item's moving average cost at the location after the movement "
        "(6 decimals); none while it has no cost",
    )
    quarantined_change: DecimalText = Field(
        default=Decimal(0), description="change of the quarantined quantity (returns only)"
    )
    quarantined_after: DecimalText = Field(
        default=Decimal(0), description="quarantined quantity after the movement"
    )
