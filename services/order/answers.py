"""What the order service's queries answer: orders (one, a list, a timeline), quotations, RFQs,
carts, work orders, and the tax rates, price lists and storefronts that price them.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them, a cart's raw events) is left out. Lines, pricing
and stock figures are the contracts' own types, as the documents keep them. Fields are only
ever added.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from services.order.domain.cart import CartStatus
from services.order.domain.timeline import ByKind
from services.order.domain.work_order_parts import WorkOrderStatus
from services.order.fulfilment import StockState
from shared.contracts import (
    ItemPrice,
    LineAvailability,
    OrderKind,
    OrderLine,
    PricedDocument,
    PricingTerms,
    QuotationStatus,
    QuotedPrice,
    RequestedLine,
    ReservedLine,
    RfqStatus,
    StockAvailability,
    StockLine,
    SupplierStatus,
    TaxRate,
    UnknownItemPolicy,
    WorkOrderKind,
)
from shared.contracts.common import DecimalText
from shared.contracts.statuses import OrderStatus
from shared.http import Answer

ZERO = Decimal(0)

# --- timelines (orders, quotations, RFQs, carts) ------------------------------------------


class TimelineEntryAnswer(Answer):
    """One event about a document: when, from which service, and who was behind it."""

    at: datetime
    service: str
    event: str
    message_id: str
    summary: str | None = None
    by: str | None = None
    by_kind: ByKind | None = None
    by_name: str | None = None


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
    version: int


# --- GET /quotations ----------------------------------------------------------------------


class QuotationRevision(Answer):
    """An earlier version of a quotation, as it was before a revision replaced it."""

    revision: int
    branch_id: str
    currency: str
    lines: list[OrderLine]
    terms: PricingTerms
    pricing: PricedDocument
    valid_until: datetime
    notes: str | None = None
    status: QuotationStatus
    replaced_at: datetime
    replaced_by: str


class QuotationHistoryEntry(Answer):
    status: QuotationStatus
    revision: int
    at: datetime
    by: str | None = None
    note: str | None = None


class QuotationListed(Answer):
    """A quotation: its customer, lines, pricing, validity, status and the order it became."""

    quotation_id: str
    customer_id: str
    branch_id: str
    created_by: str
    currency: str
    lines: list[OrderLine]
    terms: PricingTerms
    pricing: PricedDocument
    valid_until: datetime
    notes: str | None = None
    status: QuotationStatus
    revision: int = 1
    order_id: str | None = None
    converted_by: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class QuotationAnswer(QuotationListed):
    """One quotation, with its earlier versions, history and timeline."""

    revisions: list[QuotationRevision] = []
    history: list[QuotationHistoryEntry] = []
    timeline: list[TimelineEntryAnswer] = []


# --- GET /rfqs ----------------------------------------------------------------------------


class SupplierReplyAnswer(Answer):
    prices: list[QuotedPrice]
    lead_time_days: int
    valid_until: datetime
    recorded_by: str
    recorded_at: datetime
    notes: str | None = None


class SupplierAnswer(Answer):
    """One supplier asked, and where their part of the RFQ stands."""

    supplier_id: str
    status: SupplierStatus = SupplierStatus.INVITED
    reply: SupplierReplyAnswer | None = None
    replies: int = 0


class RfqListed(Answer):
    """A request for quotation: its items, suppliers and their replies, and its outcome."""

    rfq_id: str
    branch_id: str
    created_by: str
    currency: str
    lines: list[RequestedLine]
    suppliers: list[SupplierAnswer]
    notes: str | None = None
    status: RfqStatus
    chosen_supplier_id: str | None = None
    chosen_by: str | None = None
    order_id: str | None = None
    cancelled_by: str | None = None
    reason: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class RfqAnswer(RfqListed):
    """One RFQ, with its timeline."""

    timeline: list[TimelineEntryAnswer] = []


# --- GET /tax-rates, /price-lists, /storefronts ------------------------------------------


class TaxRateCodeAnswer(Answer):
    """One tax rate code with every version it had."""

    code: str
    versions: list[TaxRate] = []
    version: int


class PriceListListed(Answer):
    """A price list: its currency and branch (without its prices)."""

    price_list_id: str
    name: str
    currency: str
    branch_id: str | None = None
    revision: int = 0
    defined_by: str | None = None
    version: int


class PriceListAnswer(PriceListListed):
    """One price list with its prices."""

    prices: list[ItemPrice]


class StorefrontAnswer(Answer):
    """How a storefront's carts and orders are priced."""

    storefront_id: str
    price_list_id: str
    unknown_item: UnknownItemPolicy = UnknownItemPolicy.REFUSE
    version: int


# --- GET /carts, /carts/recovery ----------------------------------------------------------


class CartItemAnswer(Answer):
    """An item in the cart, at the business's price and the storefront's."""

    sku: str
    quantity: DecimalText
    unit_price: DecimalText | None = None
    storefront_unit_price: DecimalText | None = None
    price_difference: DecimalText | None = None
    name: str | None = None
    tax_codes: list[str] = []


class SentStepAnswer(Answer):
    """A reminder that went out, and the round of idleness it was for."""

    step: int
    at: datetime
    round_started: datetime


class RecoveryAnswer(Answer):
    """Where the cart's recovery stands: abandoned, reminders sent, recovered."""

    abandoned_at: datetime | None = None
    sent: list[SentStepAnswer] = []
    held_since: datetime | None = None
    recovered_after_step: int | None = None
    finished: bool = False


class CartListed(Answer):
    """A storefront cart as its events say: items, customer, value, status and recovery."""

    cart_id: str
    storefront_id: str
    through: int = 0
    currency: str | None = None
    branch_id: str | None = None
    cart_url: str | None = None
    customer_id: str | None = None
    email: str | None = None
    recovery_emails: bool = True
    items: list[CartItemAnswer] = []
    checkout_sequence: int | None = None
    cleared: bool = False
    status: CartStatus = CartStatus.OPEN
    created_at: datetime
    last_activity_at: datetime
    order_id: str | None = None
    checkout_refusal: str | None = None
    checkout_detail: str | None = None
    checkout_shortages: list[LineAvailability] = []
    held_items: list[str] = []
    recovery: RecoveryAnswer = RecoveryAnswer()
    value: DecimalText | None = None
    pricing_problem: str | None = None
    version: int


class CartAnswer(CartListed):
    """One cart, with its timeline, its items' stock and the events still missing."""

    timeline: list[TimelineEntryAnswer] = []
    in_stock: dict[str, bool | None]
    missing_sequences: list[int]
    event_count: int


class RecoveryStepAnswer(Answer):
    step: int
    recovered: int
    revenue: DecimalText


class CartRecoveryAnswer(Answer):
    """A storefront's abandoned and recovered carts, and per reminder step the carts it
    recovered and their revenue."""

    storefront_id: str
    abandoned: int
    recovered: int
    recovery_rate: DecimalText
    steps: list[RecoveryStepAnswer]


# --- GET /work-orders ---------------------------------------------------------------------


class WorkOrderHistoryEntry(Answer):
    status: WorkOrderStatus
    at: datetime
    by: str | None = None
    attempt: int = 0
    note: str | None = None


class CompletionAnswer(Answer):
    """Units reported done (and scrapped), and whether inventory received them."""

    completion_id: str
    quantity: DecimalText
    scrap: DecimalText
    by: str
    at: datetime
    awaiting_receipt: bool = False
    refused: str | None = None


class WorkOrderReceiptAnswer(Answer):
    """Good units inventory received into stock for one completion."""

    completion_id: str
    location_id: str
    quantity: DecimalText
    at: datetime


class ShortageAnswer(Answer):
    """What inventory could not reserve for the latest release."""

    attempt: int
    location_id: str | None
    lines: list[ReservedLine]
    unknown_skus: list[str] = []


class WorkOrderAnswer(Answer):
    """One work order: its bill of materials, status, issues, completions, receipts and
    history."""

    work_order_id: str
    kind: WorkOrderKind
    branch_id: str
    item_sku: str | None = None
    description: str | None = None
    quantity: DecimalText
    components: list[StockLine] = []
    created_by: str
    due_date: date | None = None
    status: WorkOrderStatus = WorkOrderStatus.CREATED
    attempt: int = 0
    location_id: str | None = None
    issued: list[StockLine] = []
    shortage: ShortageAnswer | None = None
    completions: list[CompletionAnswer] = []
    completed: DecimalText = ZERO
    scrapped: DecimalText = ZERO
    receipts: list[WorkOrderReceiptAnswer] = []
    released_components: list[StockLine] = []
    history: list[WorkOrderHistoryEntry] = []
    created_at: datetime
    updated_at: datetime
    version: int
