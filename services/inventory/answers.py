"""What the inventory service's queries answer: stock, the ledger, an order's or a work
order's view.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, which stock records a reservation may touch) is left out. Fields are only
ever added.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field

from services.inventory.domain.held_receipts import HeldState
from services.inventory.domain.order_parts import ClaimState, OrderState, ReservationState
from services.inventory.domain.returns import ReturnState
from services.inventory.domain.work_orders import Phase
from shared.contracts import (
    LineCost,
    MovementKind,
    OrderKind,
    ProductStatus,
    ReleaseReason,
    ReservedLine,
    ReturnReason,
    SourceType,
    StockLine,
    WorkOrderKind,
)
from shared.contracts.common import DecimalText
from shared.contracts.receipts import HeldLine
from shared.http import Answer

# --- GET /stock ---------------------------------------------------------------------------


class HeldAnswer(Answer):
    """What one order or work order holds of a stock record."""

    order_id: str
    quantity: DecimalText


class StockRecordAnswer(Answer):
    """One item at one location: on hand, reserved, available, and what moved it."""

    stock_id: str
    sku: str
    location_id: str
    branch_id: str
    on_hand: DecimalText
    reserved: DecimalText
    available: DecimalText
    opening: DecimalText
    received: DecimalText
    issued: DecimalText
    adjusted: DecimalText
    opening_set: bool = False
    held: list[HeldAnswer] = []
    movements: int = 0
    updated_at: datetime
    version: int
    returned: DecimalText = Field(
        default=Decimal(0), description="returns of sales orders taken back into on hand"
    )
    quarantined: DecimalText = Field(
        default=Decimal(0),
        description="returned goods kept apart (damaged, defective): physically here, not in "
        "on_hand, never reserved or issued",
    )
    unit_cost: DecimalText | None = Field(
        default=None, description="the moving average cost of one unit on hand (6 decimals)"
    )
    cost_currency: str | None = Field(default=None, description="the currency of the costs")
    value: DecimalText | None = Field(
        default=None, description="on_hand x unit_cost, to the currency's minor unit"
    )
    quarantined_value: DecimalText = Field(
        default=Decimal(0),
        description="what the quarantined goods are worth at the cost they came back at",
    )


class StockTotal(Answer):
    on_hand: DecimalText
    reserved: DecimalText
    available: DecimalText
    quarantined: DecimalText = Decimal(0)


class ProductAnswer(Answer):
    """An item's product record: how it is counted, its default tax codes, status and group."""

    sku: str
    name: str
    unit_of_measure: str
    decimal_places: int = 0
    description: str | None = None
    tax_codes: list[str] = Field(
        default=[], description="the tax codes an order line that names none takes"
    )
    status: ProductStatus = ProductStatus.ACTIVE
    product_group: str | None = None
    version: int = Field(
        default=0,
        description="the product record's version: send it as inventory.define_item's "
        "expected_version to change the record (0: defined before versions)",
    )
    source: str = Field(
        default="oms", description="where the current version came from: `oms` or `products`"
    )
    defined_at: datetime | None = None
    changed_at: datetime | None = None


class FieldChangeAnswer(Answer):
    field: str
    before: Any = None
    after: Any = None


class ProductVersionAnswer(Answer):
    """One version of a product record (the latest 20 are kept)."""

    version: int
    at: datetime
    source: str
    by: str | None = None
    changes: list[FieldChangeAnswer] = []


class ItemAnswer(ProductAnswer):
    """``GET /items?sku=``: one item's product record and its latest versions, oldest first."""

    history: list[ProductVersionAnswer] = []


class ItemsAnswer(Answer):
    """``GET /items``: the items found, by sku."""

    query: dict[str, str]
    items: list[ProductAnswer]


class StockAnswer(Answer):
    """The stock records found (by ``_id``) and, per sku, their totals and product record."""

    query: dict[str, str]
    stock: list[StockRecordAnswer]
    totals: dict[str, StockTotal]
    products: dict[str, ProductAnswer] = Field(
        default={}, description="the product record of each sku found (none: not defined)"
    )


# --- GET /ledger --------------------------------------------------------------------------


class LedgerEntryAnswer(Answer):
    """One ``inventory.stock_moved`` entry as the ledger keeps it."""

    movement_id: str
    kind: MovementKind
    sku: str
    location_id: str
    branch_id: str
    on_hand_change: DecimalText
    reserved_change: DecimalText
    on_hand_after: DecimalText
    reserved_after: DecimalText
    source_type: SourceType
    source_id: str
    reference: str | None = None
    reason: str | None = None
    sequence: int
    occurred_at: datetime
    correlation_id: str | None = None
    schema_version: int = 1
    message_id: str
    caused_by: str | None = None
    unit_cost: DecimalText | None = None
    cost: DecimalText | None = Field(
        default=None, description="the quantity moved at unit_cost, to the minor unit"
    )
    cost_currency: str | None = None
    average_cost: DecimalText | None = Field(
        default=None, description="the item's moving average cost here after the movement"
    )
    quarantined_change: DecimalText = Decimal(0)
    quarantined_after: DecimalText = Decimal(0)


class LedgerBalance(Answer):
    """Per location: opening + receipts - issues + adjustments, and whether that is on hand."""

    opening: DecimalText
    receipts: DecimalText
    issues: DecimalText
    adjustments: DecimalText
    reserved: DecimalText
    on_hand: DecimalText
    movements: int
    balanced: bool
    returns: DecimalText = Field(default=Decimal(0), description="returns into stock")
    quarantined: DecimalText = Field(default=Decimal(0), description="returns into quarantine")


class LedgerAnswer(Answer):
    """An item's ledger entries in order and, per location, the balance they add up to."""

    query: dict[str, str]
    entries: list[LedgerEntryAnswer]
    balances: dict[str, LedgerBalance]


# --- GET /orders --------------------------------------------------------------------------


class TrackedLineAnswer(Answer):
    sku: str
    ordered: DecimalText
    fulfilled: DecimalText = Decimal(0)
    unit_cost: DecimalText | None = Field(
        default=None, description="purchase orders: the net unit price receipts are valued at"
    )
    issued_value: DecimalText = Field(
        default=Decimal(0), description="sales orders: quantity x unit cost of its issues"
    )
    issued_costed: DecimalText = Field(
        default=Decimal(0), description="sales orders: the quantity issued with a known cost"
    )
    returned: DecimalText = Field(
        default=Decimal(0), description="sales orders: the quantity authorized to come back"
    )


class ReturnLineAnswer(Answer):
    sku: str
    quantity: DecimalText
    unit_cost: DecimalText | None = None


class ReturnAnswer(Answer):
    """A return authorized against the sales order, and how far it was received."""

    return_id: str
    message_id: str
    reason: ReturnReason
    notes: str = ""
    lines: list[ReturnLineAnswer]
    currency: str | None = None
    authorized_by: str
    authorized_at: datetime
    state: ReturnState
    location_id: str | None = None
    received_by: str | None = None
    received_at: datetime | None = None


class ClaimAnswer(Answer):
    """A receipt or issue being carried out."""

    document_id: str
    kind: OrderKind
    message_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    state: ClaimState
    taken: list[str] = []
    failure: str | None = None
    claimed_at: datetime


class DeliveryAnswer(Answer):
    """A completed receipt (purchase order) or issue (sales order)."""

    document_id: str
    message_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    at: datetime
    costs: list[LineCost] = []
    cost_currency: str | None = None


class ReservationAnswer(Answer):
    """What a sales order should hold, and what it was last found to hold."""

    attempt: int
    location_id: str | None
    state: ReservationState
    expires_at: datetime | None = None
    lines: list[ReservedLine] = []
    reason: ReleaseReason | None = None
    announced: bool = False
    all_or_nothing: bool = False


class HeldReceiptAnswer(Answer):
    """A receipt beyond the order's tolerance, held for the approval service's decision:
    held, approved (received, or being received) or refused (why, and the approver's notes)."""

    receipt_id: str
    message_id: str
    location_id: str
    lines: list[StockLine]
    by: str
    tolerance_percent: DecimalText
    facts: list[HeldLine]
    state: HeldState
    held_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    detail: str | None = None
    notes: str | None = None


class InventoryOrderAnswer(Answer):
    """What inventory knows of an order: approval, quantities, receipts or issues, and its
    reservation."""

    order_id: str
    kind: OrderKind
    party_id: str
    branch_id: str | None = None
    attempt: int = 0
    state: OrderState | None = None
    lines: list[TrackedLineAnswer] = []
    claims: list[ClaimAnswer] = []
    deliveries: list[DeliveryAnswer] = []
    reservation: ReservationAnswer | None = None
    dirty_since: datetime | None = None
    updated_at: datetime
    version: int
    currency: str | None = None
    cost_currency: str | None = Field(
        default=None, description="sales orders: the currency of its issues' costs"
    )
    returns: list[ReturnAnswer] = []
    held: list[HeldReceiptAnswer] = Field(
        default=[], description="purchase orders: receipts held beyond the tolerance"
    )


# --- GET /work-orders ---------------------------------------------------------------------


class ProductionReceiptAnswer(Answer):
    completion_id: str
    location_id: str
    sku: str
    quantity: DecimalText
    at: datetime


class RefusedReceiptAnswer(Answer):
    completion_id: str
    reason: str
    at: datetime


class InventoryWorkOrderAnswer(Answer):
    """What inventory knows of a work order: its release phase, components and receipts."""

    work_order_id: str
    kind: WorkOrderKind
    branch_id: str
    item_sku: str | None = None
    attempt: int = 0
    phase: Phase | None = None
    location_id: str | None = None
    needs: dict[str, DecimalText] = {}
    unknown_skus: list[str] = []
    cancelled: bool = False
    receipts: list[ProductionReceiptAnswer] = []
    refused_receipts: list[RefusedReceiptAnswer] = []
    updated_at: datetime
    version: int


# --- GET /reservation-preview -----------------------------------------------------------------


class ReservationPreviewLine(Answer):
    """One item of the order previewed, at the location its stock would be held at."""

    model_config = ConfigDict(from_attributes=True)

    sku: str
    requested: DecimalText = Field(description="the order's quantity of the item, all lines")
    available: DecimalText = Field(
        description="at the location now: on hand less what others hold (goods in quarantine "
        "are not on hand); what the order itself holds counts as available to it"
    )
    would_reserve: DecimalText = Field(description="what a submission would hold now")
    short: DecimalText = Field(description="requested less would_reserve (0: held in full)")
    location_id: str | None = Field(
        description="the branch's sales location (null: the branch has none, nothing is held)"
    )


class ReservationPreviewAnswer(Answer):
    """What a sales order would reserve at its branch, were it submitted now; nothing is
    held. A stock fact only: whether a short order may go on is the branch's setting in the
    order service (order.configure_branch, when_stock_short)."""

    branch_id: str
    order_id: str | None = None
    location_id: str | None = None
    lines: list[ReservationPreviewLine]
    complete: bool = Field(
        description="every item would be held in full (what a branch that refuses short "
        "orders needs)"
    )
