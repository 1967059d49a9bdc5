"""Commands the order service accepts and the events it publishes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from shared.contracts.approval import ApprovalApproved, ApprovalRejected
from shared.contracts.base import PEOPLE_GATEWAYS, Command, CommandRejected, Event
from shared.contracts.common import (
    CurrencyCode,
    DecimalText,
    Identifier,
    OrderKind,
    OrderLine,
    OrderLineInput,
)
from shared.contracts.inventory import LineProgress
from shared.contracts.parties import OrderFlag, UnknownParty
from shared.contracts.pricing import PricedDocument, PricingTerms

Lines = list[OrderLine]
InputLines = list[OrderLineInput]
NonEmptyLines = Field(min_length=1, max_length=500)
PRICING_TERMS = (
    "how the lines are priced: tax-inclusive prices or not, a document discount, the price "
    "list for lines without a unit price, where taxes are rounded; none: tax-exclusive prices, "
    "no document discount, no price list, rounded per document"
)


def _left_out(schema: dict[str, Any]) -> None:
    """A field a caller may leave out but never sends as null: its schema is the value's alone."""
    schema.pop("default", None)


class _CreateOrder(Command):
    ordering_key: ClassVar[str | None] = "order_id"
    order_id: Identifier
    branch_id: Identifier | SkipJsonSchema[None] = Field(
        default=None,
        description="the branch that sells or buys; absent: the customer's or vendor's default "
        "branch (their record's branch_id), refused branch_required when there is none",
        json_schema_extra=_left_out,
    )
    created_by: Identifier
    currency: CurrencyCode | SkipJsonSchema[None] = Field(
        default=None,
        description="the order's currency; absent: the currency the customer or vendor deals "
        "in (their record's), refused currency_required when OMS has no record of them",
        json_schema_extra=_left_out,
    )
    lines: InputLines = NonEmptyLines
    notes: str | None = Field(default=None, max_length=2000)
    pricing: PricingTerms | None = Field(default=None, description=PRICING_TERMS)


class CreatePurchaseOrder(_CreateOrder):
    """Create a draft purchase order for a vendor."""

    routing_key: ClassVar[str] = "order.create_purchase_order"
    answered_by: ClassVar[tuple[str, ...]] = ("order.created",)
    acting_person: ClassVar[str | None] = "created_by"
    vendor_id: Identifier


class CreateSalesOrder(_CreateOrder):
    """Create a draft sales order for a customer.

    From the ``storefront`` caller, the lines are priced from the price list of the storefront
    configured as ``storefront`` (``order.configure_storefront``), whatever prices it sends:
    each ``unit_price`` sent is kept as the line's ``storefront_unit_price``; an item the list
    does not know is refused (``unknown_item``) or held (``held_items``: a draft a person
    prices before it is submitted, ``items_held``) as that configuration says; discounts and
    ``pricing.prices_include_tax`` are refused (``not_allowed``); without a configuration the
    order is refused ``storefront_not_configured``."""

    routing_key: ClassVar[str] = "order.create_sales_order"
    answered_by: ClassVar[tuple[str, ...]] = ("order.created",)
    acting_person: ClassVar[str | None] = "created_by"
    senders: ClassVar[frozenset[str]] = PEOPLE_GATEWAYS | {"storefront", "billing"}
    """``billing`` places subscription renewals (``created_by`` is then ``billing``)."""
    customer_id: Identifier


class UpdateOrder(Command):
    """Change a draft or rejected order; fields left out stay as they are. A change of lines,
    branch, currency or pricing prices the order again with the tax rates in force now. New
    lines keep the price a storefront sent for their item (``storefront_unit_price``), and
    giving every line clears a storefront order's ``held_items``."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "order.update"
    answered_by: ClassVar[tuple[str, ...]] = ("order.updated",)
    acting_person: ClassVar[str | None] = "updated_by"
    order_id: Identifier
    updated_by: Identifier
    branch_id: Identifier | None = None
    currency: CurrencyCode | None = None
    lines: InputLines | None = Field(default=None, min_length=1, max_length=500)
    notes: str | None = Field(default=None, max_length=2000)
    pricing: PricingTerms | None = Field(
        default=None, description="new pricing terms; none: the order's stay as they are"
    )


class SubmitOrder(Command):
    """Send a draft or rejected order into its approval cycle; it is locked from then on.

    A sales order of a branch that refuses short orders (``order.configure_branch``
    ``refuse``) first has its stock held by inventory, all or nothing: it is answered
    ``order.stock_hold_requested`` (status ``awaiting_stock``), then either enters approval
    (``order.submitted``) or, when its stock is short, goes back to what it was with the reason
    (``order.stock_hold_refused`` naming each item, requested and available, and
    ``order.command_rejected`` for this command, reason ``insufficient_stock``)."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "order.submit"
    answered_by: ClassVar[tuple[str, ...]] = ("order.submitted", "order.stock_hold_requested")
    acting_person: ClassVar[str | None] = "submitted_by"
    senders: ClassVar[frozenset[str]] = PEOPLE_GATEWAYS | {"storefront", "billing"}
    order_id: Identifier
    submitted_by: Identifier


class CancelOrder(Command):
    """Withdraw an order that has not been received or issued against."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "order.cancel"
    answered_by: ClassVar[tuple[str, ...]] = ("order.cancelled",)
    acting_person: ClassVar[str | None] = "cancelled_by"
    senders: ClassVar[frozenset[str]] = PEOPLE_GATEWAYS | {"storefront"}
    order_id: Identifier
    cancelled_by: Identifier
    reason: str | None = Field(default=None, max_length=2000)


class CloseOrderShort(Command):
    """Complete an approved order that will not be received (purchase) or issued (sales) in
    full: what is still outstanding is given up, for the reason given. It is answered by
    ``order.completed`` with ``closed_short`` true; inventory then refuses further receipts or
    issues against it and lets a sales order's remaining reservation go."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "order.close_short"
    answered_by: ClassVar[tuple[str, ...]] = ("order.completed",)
    acting_person: ClassVar[str | None] = "closed_by"
    order_id: Identifier
    closed_by: Identifier
    reason: str = Field(min_length=1, max_length=2000)


class Availability(StrEnum):
    AVAILABLE = "available"
    SHORT = "short"
    BACKORDER = "backorder"
    UNKNOWN = "unknown"


class LineAvailability(BaseModel):
    """One item of a sales order against the stock of the branch's sales location."""

    model_config = ConfigDict(frozen=True)

    sku: Identifier
    requested: DecimalText = Field(description="the order's quantity of the item (all lines)")
    available: DecimalText = Field(description="on hand minus reserved, when the order was made")
    status: Availability = Field(
        description="available: all of it can be served; short: part of it; backorder: none"
    )


class StockAvailability(BaseModel):
    """Whether a sales order can be served from the stock inventory published, as seen when the
    order was created or last changed (informative: stock is reserved when it is submitted)."""

    model_config = ConfigDict(frozen=True)

    status: Availability = Field(
        description="the worst of its lines; unknown when the branch has no stock location yet"
    )
    location_id: Identifier | None = Field(
        default=None, description="the branch's sales location the stock was read at"
    )
    lines: list[LineAvailability] = Field(default_factory=list)
    checked_at: datetime


class WhenStockShort(StrEnum):
    ALLOW = "allow"
    REFUSE = "refuse"


class ConfigureBranch(Command):
    """Set how a branch treats sales orders its stock cannot serve when they are created or
    changed: ``allow`` (the default: created, with the shortage shown) or ``refuse`` (refused
    as ``insufficient_stock``); and, with ``unknown_party``, orders that break a record's rule:
    a customer or vendor unknown, blocked, on hold or buying in another currency, or a
    discontinued product."""

    ordering_key: ClassVar[str | None] = "branch_id"
    routing_key: ClassVar[str] = "order.configure_branch"
    answered_by: ClassVar[tuple[str, ...]] = ("order.branch_configured",)
    acting_person: ClassVar[str | None] = "configured_by"
    branch_id: Identifier
    when_stock_short: WhenStockShort
    configured_by: Identifier
    unknown_party: UnknownParty | None = Field(
        default=None,
        description="orders whose customer or vendor is unknown (unknown_customer, "
        "unknown_vendor), blocked or on hold (customer_blocked, customer_on_hold, "
        "vendor_blocked, vendor_on_hold) or buys in another currency (currency_mismatch), and "
        "sales orders with a discontinued product (discontinued_product), checked at create, "
        "update and submit: `allow` (a new branch's default: the order goes on and carries the "
        "finding in `flags`) or `refuse` (the command is refused with the reason). A purchase "
        "order with a discontinued product is always only flagged. Absent: the branch's "
        "setting stays as it is",
    )


class BranchConfigured(Event):
    ordering_key: ClassVar[str | None] = "branch_id"
    routing_key: ClassVar[str] = "order.branch_configured"
    branch_id: Identifier
    when_stock_short: WhenStockShort
    configured_by: Identifier
    unknown_party: UnknownParty = Field(
        default=UnknownParty.ALLOW, description="the branch's setting, as it now is"
    )


class _OrderFacts(Event):
    ordering_key: ClassVar[str | None] = "order_id"
    order_id: Identifier
    kind: OrderKind
    party_id: Identifier = Field(description="the vendor (purchase) or customer (sales)")
    branch_id: Identifier
    created_by: Identifier
    currency: CurrencyCode
    lines: Lines = Field(description="the lines, each with its unit price")
    total: DecimalText = Field(
        description="the grand total (pricing.grand_total): net + taxes after discounts; "
        "without taxes or discounts, the lines' quantity x unit price summed and rounded once"
    )
    quotation_id: Identifier | None = Field(
        default=None, description="the quotation this sales order was converted from"
    )
    rfq_id: Identifier | None = Field(
        default=None, description="the RFQ whose chosen reply this purchase order was made from"
    )
    pricing: PricedDocument | None = Field(
        default=None,
        description="the order priced: each line's amount, discounts, net, taxes (with the "
        "rate and version used) and total; taxable base and tax per rate; subtotal, "
        "discounts, net, tax and grand totals. Absent on events of orders stored before "
        "pricing",
    )
    availability: StockAvailability | None = Field(
        default=None,
        description="sales orders: whether the branch's stock can serve it, as of the order's "
        "creation or last change",
    )
    held_items: list[Identifier] = Field(
        default_factory=list,
        description="a storefront's order: the items its price list does not know, priced at "
        "the storefront's price and held for a person (order.submit is refused items_held "
        "until an order.update gives the lines)",
    )
    cart_id: Identifier | None = Field(
        default=None, description="the storefront cart this sales order was checked out from"
    )
    flags: list[OrderFlag] = Field(
        default_factory=list,
        description="what was wrong with the order's customer or vendor (unknown, blocked, on "
        "hold, another currency) when it was last created, changed or submitted at a branch "
        "that allows it (order.configure_branch unknown_party: allow); empty: nothing",
    )
    payment_terms_days: int | None = Field(
        default=None,
        ge=0,
        le=365,
        description="days from invoice to due date: the customer's or vendor's record's, "
        "taken when the order was created or last changed (billing's sales invoices fall due "
        "after these days rather than the invoicing policy's); absent: the record names none "
        "(or there is none)",
    )


class OrderCreated(_OrderFacts):
    routing_key: ClassVar[str] = "order.created"


class OrderUpdated(_OrderFacts):
    routing_key: ClassVar[str] = "order.updated"
    updated_by: Identifier


class OrderSubmitted(_OrderFacts):
    """An order entered its approval cycle as attempt number ``attempt``."""

    routing_key: ClassVar[str] = "order.submitted"
    attempt: int = Field(ge=1)
    submitted_by: Identifier


class OrderStockHoldRequested(_OrderFacts):
    """A sales order of a branch that refuses short orders was submitted: before it enters
    approval, inventory holds its stock, all of it or none (answered by
    ``inventory.stock_reserved``). Inventory's reservation is the one place where concurrent
    orders meet, so two orders cannot both pass on the same stock."""

    routing_key: ClassVar[str] = "order.stock_hold_requested"
    attempt: int = Field(ge=1)
    submitted_by: Identifier


class OrderStockHoldRefused(Event):
    """A submitted sales order's stock was short at its branch, which refuses short orders:
    the order is back to what it was before the submission (draft or rejected), nothing is
    held, and ``shortages`` names each item short."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "order.stock_hold_refused"
    order_id: Identifier
    kind: OrderKind
    party_id: Identifier
    branch_id: Identifier
    attempt: int = Field(ge=1)
    submitted_by: Identifier
    reason: str = Field(default="insufficient_stock")
    detail: str
    shortages: list[LineAvailability] = Field(
        description="each item short: requested, and available (what inventory could hold)"
    )
    cart_id: Identifier | None = None


class OrderApproved(_OrderFacts):
    """Every approval level passed: the order may now be received (PO) or issued (SO)."""

    routing_key: ClassVar[str] = "order.approved"
    attempt: int = Field(ge=1)
    decision: ApprovalApproved | None = Field(
        default=None,
        description="the approval service's decision the order took (the creator is e-mailed "
        "from it when its notify is on); absent on events written before it was added",
    )


class OrderRejected(Event):
    """The approval cycle ended in a rejection; the creator may edit and resubmit."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "order.rejected"
    order_id: Identifier
    kind: OrderKind
    party_id: Identifier
    attempt: int = Field(ge=1)
    level: int | None = None
    approver_id: Identifier | None = None
    notes: str | None = None
    decision: ApprovalRejected | None = Field(
        default=None,
        description="the approval service's decision the order took (the creator is e-mailed "
        "from it when its notify is on)",
    )


class OrderCancelled(Event):
    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "order.cancelled"
    order_id: Identifier
    kind: OrderKind
    party_id: Identifier
    cancelled_by: Identifier
    reason: str | None = None


class OrderCompleted(Event):
    """An order is done: every line received (purchase) or issued (sales) in full, or the
    order was closed short (``closed_short``, with ``reason``) with ``lines`` saying how much
    of each item was ordered and fulfilled."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "order.completed"
    order_id: Identifier
    kind: OrderKind
    party_id: Identifier
    branch_id: Identifier
    lines: list[LineProgress] = Field(
        description="per item: ordered, and received (purchase) or issued (sales) in the end"
    )
    closed_short: bool = False
    reason: str | None = Field(default=None, description="why it was closed short")
    completed_by: Identifier | None = Field(
        default=None, description="who closed it short, or who received or issued the last goods"
    )


class OrderCommandRejected(CommandRejected):
    """The order service refused a command (``reason`` names the rule): what a service that
    sends order commands (billing's renewals) listens to, by the command's correlation id."""

    routing_key: ClassVar[str] = "order.command_rejected"
