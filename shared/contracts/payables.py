"""Supplier bills, their three-way match and payments to vendors (the billing service).

Billing keeps its own copy of each approved purchase order (``order.approved`` of kind
``purchase``: vendor, branch, currency, lines and their pricing) and of how much of it was
received (``inventory.goods_received``). A bill is recorded against one such order and matched
line by line:

- **price**: the bill's unit price against the order's unit price net of discounts (the
  priced line's ``net`` / ``quantity``, without tax);
- **quantity**: the billed quantity against what was received of the sku less what earlier
  bills of the order (recorded before it, not rejected) already billed.

Within the branch's tolerance (``billing.set_match_tolerance``; none set: an exact match) the
bill is approved for payment (``billing.bill_approved``); outside it, it is held
(``billing.bill_held``) with the reason per line until a person accepts it
(``billing.accept_bill``) or rejects it (``billing.reject_bill``), or a later receipt
catches up (it is matched again on each ``inventory.goods_received`` of its order, and on the
rejection of an earlier bill). Only an approved bill is paid (``billing.record_vendor_payment``).

An accounting system posts a bill from ``billing.bill_approved``: it carries the vendor, the
order, the currency, every line with its net, tax, total, the order's unit price and the price
variance (the bill's net less the order's price for the billed quantity), and the totals.
Amounts are decimal strings in the bill's currency, to its minor unit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.contracts.base import Command, Event
from shared.contracts.common import (
    AS_TEXT,
    FROM_TEXT,
    CurrencyCode,
    DecimalText,
    Identifier,
    Percent,
    Quantity,
    UnitPrice,
)

Money = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]
"""An amount of money, checked against its currency's minor unit by billing
(``invalid_amount`` for more decimals than it has)."""
PositiveMoney = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]
Notes = Annotated[str, Field(min_length=1, max_length=1000)]
DEFAULT_PAYMENT_TERMS_DAYS = 30


class BillStatus(StrEnum):
    """Where a bill stands: ``open`` as recorded (``billing.bill_recorded``, matched in the
    same write), then ``approved`` (payable) or ``held`` (a variance outside tolerance),
    ``paid`` once nothing is left to pay, ``rejected`` by a person (never paid)."""

    OPEN = "open"
    HELD = "held"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"


class VarianceKind(StrEnum):
    PRICE = "price_variance"
    QUANTITY = "quantity_variance"


class HowApproved(StrEnum):
    """``matched``: every line within tolerance (when recorded, or matched again after a
    receipt); ``accepted``: a person accepted a held bill's variances."""

    MATCHED = "matched"
    ACCEPTED = "accepted"


# --- commands -----------------------------------------------------------------------------


class SetMatchTolerance(Command):
    """Set how far a branch's supplier bills may differ from their purchase orders and still
    be approved without a person. Until a branch has one, bills must match exactly (0 %, 0 %,
    no amount limit). Applies to bills matched after it (recorded, or matched again)."""

    ordering_key: ClassVar[str | None] = "branch_id"
    routing_key: ClassVar[str] = "billing.set_match_tolerance"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.match_tolerance_set",)
    acting_person: ClassVar[str | None] = "set_by"
    branch_id: Identifier
    price_tolerance_percent: Percent = Field(
        description="a line's unit price may differ from the order's net unit price by at most "
        'this percentage of it, either way ("2" is 2 %)'
    )
    quantity_tolerance_percent: Percent = Field(
        description="a line may bill at most this percentage more than is received and not "
        "yet billed (billing less is always within)"
    )
    price_tolerance_amount: Money | None = Field(
        default=None,
        description="also at most this amount of price variance per line (the bill's net "
        "less the order's price for the billed quantity, either way), in the bill's "
        "currency; none: no amount limit",
    )
    set_by: Identifier


class BillLineInput(BaseModel):
    """One line of a supplier's bill as recorded."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier = Field(description="an item of the order (sku_not_on_order otherwise)")
    quantity: Quantity
    unit_price: UnitPrice = Field(
        description="the vendor's price of one unit, without tax (matched against the order's "
        "unit price net of its line and document discounts)"
    )
    tax: Money = Field(
        default=Decimal(0),
        description="the tax the vendor charges on this line, in the bill's currency (to its "
        "minor unit: invalid_amount otherwise); default none",
    )


class RecordBill(Command):
    """Record a supplier's bill against an approved purchase order; it is matched at once
    (``billing.bill_recorded``, then ``billing.bill_approved`` or ``billing.bill_held``).

    Refused, changing nothing: ``duplicate_bill`` (the vendor's bill number is recorded for
    that vendor already), ``vendor_mismatch`` (not the order's vendor), ``unknown_order`` (no
    approved purchase order of that id known to billing), ``currency_mismatch`` (not the
    order's currency), ``invalid_amount`` (a tax with more decimals than the currency has),
    ``sku_not_on_order``, ``bill_exists`` (the bill_id is taken)."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "billing.record_bill"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.bill_recorded",)
    acting_person: ClassVar[str | None] = "recorded_by"
    bill_id: Identifier = Field(description="OMS's id of the bill")
    vendor_id: Identifier
    vendor_bill_number: Identifier = Field(description="the vendor's number: once per vendor")
    order_id: Identifier = Field(description="the approved purchase order billed")
    currency: CurrencyCode
    lines: list[BillLineInput] = Field(
        min_length=1, max_length=500, description="one line per sku (a sku twice is refused)"
    )
    bill_date: date = Field(description="the date on the vendor's bill (YYYY-MM-DD)")
    due_date: date | None = Field(
        default=None, description="when it is to be paid; none: bill_date + payment_terms_days"
    )
    payment_terms_days: int = Field(
        default=DEFAULT_PAYMENT_TERMS_DAYS,
        ge=0,
        le=365,
        description="used when no due_date is given (default 30: net 30)",
    )
    notes: str | None = Field(default=None, max_length=1000)
    recorded_by: Identifier

    @model_validator(mode="after")
    def _one_line_per_sku(self) -> Self:
        skus = [line.sku for line in self.lines]
        if twice := sorted({sku for sku in skus if skus.count(sku) > 1}):
            raise ValueError(f"lines: each sku once, {', '.join(twice)} is there twice")
        if self.due_date is not None and self.due_date < self.bill_date:
            raise ValueError("due_date: it may not be before bill_date")
        return self


class AcceptBill(Command):
    """A person accepts a held bill's variances: it is approved for payment, the price
    variance of each line recorded in it (``billing.bill_approved``, ``approval``
    ``accepted``). Only a held bill (``bill_not_held``)."""

    ordering_key: ClassVar[str | None] = "bill_id"
    routing_key: ClassVar[str] = "billing.accept_bill"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.bill_approved",)
    acting_person: ClassVar[str | None] = "accepted_by"
    bill_id: Identifier
    notes: Notes = Field(description="why the variances are accepted")
    accepted_by: Identifier


class RejectBill(Command):
    """A person rejects a held bill: it is never paid, and its quantities no longer count as
    billed (later held bills of the order are matched again). Only a held bill
    (``bill_not_held``); its number stays taken (the vendor sends a new one)."""

    ordering_key: ClassVar[str | None] = "bill_id"
    routing_key: ClassVar[str] = "billing.reject_bill"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.bill_rejected",)
    acting_person: ClassVar[str | None] = "rejected_by"
    bill_id: Identifier
    notes: Notes = Field(description="why it is rejected")
    rejected_by: Identifier


class RecordVendorPayment(Command):
    """Record money paid to a vendor for an approved bill, in part or in full; payments add
    up, and the bill is paid once nothing is left. Refused: ``bill_not_payable`` (not
    approved: held, rejected or paid), ``currency_mismatch``, ``invalid_amount`` (more
    decimals than the currency has), ``overpayment`` (more than the balance),
    ``duplicate_payment`` (the payment_id is recorded on the bill by another command)."""

    ordering_key: ClassVar[str | None] = "bill_id"
    routing_key: ClassVar[str] = "billing.record_vendor_payment"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.vendor_payment_recorded",)
    acting_person: ClassVar[str | None] = "recorded_by"
    bill_id: Identifier
    payment_id: Identifier = Field(description="the bank's or payment run's reference")
    amount: PositiveMoney
    currency: CurrencyCode
    paid_at: AwareDatetime | None = Field(default=None, description="absent: now")
    recorded_by: Identifier


# --- what the events carry -------------------------------------------------------------


class BillLine(BaseModel):
    """One line of a bill as matched."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line: int = Field(ge=1, description="the line's number on the bill, from 1")
    sku: Identifier
    quantity: DecimalText
    unit_price: DecimalText = Field(description="the vendor's unit price, without tax")
    net: DecimalText = Field(description="quantity x unit price, to the minor unit")
    tax: DecimalText
    total: DecimalText = Field(description="net + tax")
    order_unit_price: DecimalText = Field(
        description="the order's unit price net of discounts (its line's net / quantity, to 6 "
        "decimals as shown; matched exactly)"
    )
    order_net: DecimalText = Field(
        description="the order's price for the billed quantity, to the minor unit: what the "
        "goods cost at the order's price (net - price_variance)"
    )
    price_variance: DecimalText = Field(
        description="net - order_net: more (positive) or less (negative) than the order's "
        "price, for a price-variance account"
    )
    available: DecimalText = Field(
        description="received of the sku less what earlier bills billed, when last matched"
    )
    quantity_variance: DecimalText = Field(
        description="how much more was billed than available (0 when not more)"
    )


class Variance(BaseModel):
    """Why a line is outside tolerance."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line: int = Field(ge=1)
    sku: Identifier
    kind: VarianceKind
    expected: DecimalText = Field(
        description="price_variance: the order's net unit price (6 decimals); "
        "quantity_variance: the quantity received and not billed before"
    )
    billed: DecimalText = Field(description="the bill's unit price or quantity")
    difference: DecimalText = Field(description="billed - expected")
    allowed: DecimalText = Field(
        description="the most the difference may be under the branch's tolerance"
    )
    amount: DecimalText = Field(
        description="price_variance: the line's price variance in money; "
        "quantity_variance: the excess quantity at the bill's unit price"
    )


class PaymentMade(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    payment_id: Identifier
    amount: DecimalText
    paid_at: AwareDatetime
    recorded_by: Identifier


class _BillFacts(Event):
    """The bill as it is after the event: everything needed to post it."""

    ordering_key: ClassVar[str | None] = "bill_id"
    bill_id: Identifier
    vendor_id: Identifier
    vendor_bill_number: Identifier
    order_id: Identifier
    branch_id: Identifier
    currency: CurrencyCode
    status: BillStatus
    lines: list[BillLine]
    net_total: DecimalText
    tax_total: DecimalText
    total: DecimalText = Field(description="net_total + tax_total: what is owed the vendor")
    price_variance_total: DecimalText = Field(description="the lines' price variances summed")
    amount_paid: DecimalText
    balance: DecimalText = Field(description="total - amount_paid")
    bill_date: date
    due_date: date
    recorded_by: Identifier


class BillRecorded(_BillFacts):
    """A bill was recorded (status ``open``); its match follows in the same write."""

    routing_key: ClassVar[str] = "billing.bill_recorded"
    recorded_at: AwareDatetime


class BillApproved(_BillFacts):
    """The bill is approved for payment, by the match or by a person: post it from here."""

    routing_key: ClassVar[str] = "billing.bill_approved"
    approval: HowApproved
    approved_by: Identifier | None = Field(
        default=None, description="the person who accepted it; none when matched"
    )
    notes: str | None = None
    accepted_variances: list[Variance] = Field(
        default_factory=list, description="what the person accepted (held reasons)"
    )


class BillHeld(_BillFacts):
    """The bill is held: some lines are outside the branch's tolerance (each named in
    ``variances``). Told again when a later match finds other reasons."""

    routing_key: ClassVar[str] = "billing.bill_held"
    variances: list[Variance]


class BillRejected(_BillFacts):
    routing_key: ClassVar[str] = "billing.bill_rejected"
    rejected_by: Identifier
    notes: str


class VendorPaymentRecorded(_BillFacts):
    routing_key: ClassVar[str] = "billing.vendor_payment_recorded"
    payment_id: Identifier
    amount: DecimalText
    paid_at: AwareDatetime


class MatchToleranceSet(Event):
    ordering_key: ClassVar[str | None] = "branch_id"
    routing_key: ClassVar[str] = "billing.match_tolerance_set"
    branch_id: Identifier
    price_tolerance_percent: DecimalText
    quantity_tolerance_percent: DecimalText
    price_tolerance_amount: DecimalText | None = None
    set_by: Identifier


__all__ = [
    "AcceptBill",
    "BillApproved",
    "BillHeld",
    "BillLine",
    "BillLineInput",
    "BillRecorded",
    "BillRejected",
    "BillStatus",
    "HowApproved",
    "MatchToleranceSet",
    "PaymentMade",
    "RecordBill",
    "RecordVendorPayment",
    "RejectBill",
    "SetMatchTolerance",
    "Variance",
    "VarianceKind",
    "VendorPaymentRecorded",
]
