"""Commands and events of customer invoices for sales orders (billing's receivables part):
invoicing policies, invoices, payments, credit notes, refunds and reminders.

Billing keeps its own copy of each approved sales order (from ``order.approved``, with the
order's ``pricing``) and invoices it as its branch's or customer's policy says: at approval
(``on_approval``), per goods issue (``per_issue``, from ``inventory.goods_issued``) or at
completion (``on_completion``, from ``order.completed``). An invoice carries the order's
lines, discounts and taxes per rate as priced; partial invoices carry each line's share by
quantity, every amount rounded to the currency's minor unit (half to even) from a running
total, so the invoices of an order add up to its totals to the cent. Invoices are numbered
``<series>-<number>`` without gaps per series. Credit notes (``<invoice_id>-CN<k>``) reverse
lines' net and each tax rate the same way. Money travels as decimal strings in the invoice's
currency.

Subscription invoices keep their own contracts (:mod:`shared.contracts.invoices`):
``billing.record_payment`` pays those only; a sales invoice is paid with
``billing.record_customer_payment``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.contracts.base import Command, Event
from shared.contracts.common import AS_TEXT, FROM_TEXT, CurrencyCode, DecimalText, Identifier
from shared.contracts.inventory import StockLine
from shared.contracts.pricing import LineTax, TaxTotal
from shared.contracts.subscriptions import BillingContact

Amount = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]
"""Money sent in a command: above 0; refused (``invalid_amount``) when finer than the
invoice's currency's minor unit (2 decimals for EUR, 0 for JPY, 3 for KWD)."""


class InvoicingPolicy(StrEnum):
    """When a sales order is invoiced."""

    ON_APPROVAL = "on_approval"
    """At approval, the whole order (prepayment)."""
    PER_ISSUE = "per_issue"
    """At each goods issue, what it shipped."""
    ON_COMPLETION = "on_completion"
    """When the order is completed, what was issued (less returns not yet invoiced)."""


class CustomerInvoiceStatus(StrEnum):
    """``open``: the customer owes the balance; ``settled``: nothing is owed either way;
    ``in_credit``: credits and payments exceed the total, the customer is owed the difference
    (a refund pays it out)."""

    OPEN = "open"
    SETTLED = "settled"
    IN_CREDIT = "in_credit"


class SetInvoicingPolicy(Command):
    """Set how the sales orders of a branch (or of one customer at that branch) are invoiced.
    A customer's policy overrides its branch's; without either, an order is invoiced
    ``on_completion``, net 30, in series ``SI``. An order is invoiced by the policy in force
    when billing learns of its approval."""

    ordering_key: ClassVar[str | None] = "branch_id"
    routing_key: ClassVar[str] = "billing.set_invoicing_policy"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.invoicing_policy_set",)
    acting_person: ClassVar[str | None] = "set_by"
    branch_id: Identifier
    customer_id: Identifier | None = Field(
        default=None, description="this customer's orders at the branch only; none: the branch's"
    )
    policy: InvoicingPolicy
    payment_terms_days: int = Field(
        default=30, ge=0, le=365, description="an invoice is due this many days after issue"
    )
    invoice_series: Identifier = Field(
        default="SI",
        max_length=20,
        description="invoices are numbered <series>-<number>, without gaps within the series; "
        "use a series of its own (not a subscription plan's)",
    )
    billing_contact: BillingContact | None = Field(
        default=None,
        description="who receives this customer's invoices and reminders (carried on them)",
    )
    set_by: Identifier


class InvoicingPolicySet(Event):
    """A branch's (or a customer's) invoicing policy is set; orders approved from now on are
    invoiced by it."""

    ordering_key: ClassVar[str | None] = "branch_id"
    routing_key: ClassVar[str] = "billing.invoicing_policy_set"
    branch_id: Identifier
    customer_id: Identifier | None = None
    policy: InvoicingPolicy
    payment_terms_days: int
    invoice_series: Identifier
    billing_contact: BillingContact | None = None
    set_by: Identifier
    revision: int = Field(ge=1, description="1, then one more at each change")


class CustomerInvoiceLine(BaseModel):
    """One order line as invoiced: the quantity invoiced and its share of the line's priced
    values (the whole line when all of it is invoiced at once)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line: int = Field(ge=1, description="the line's position in the order, from 1")
    sku: Identifier
    description: str | None = None
    quantity: DecimalText = Field(description="the quantity invoiced")
    unit_price: DecimalText = Field(description="as priced (tax included when prices are)")
    amount: DecimalText = Field(description="this quantity's share of quantity x unit price")
    line_discount: DecimalText
    document_discount: DecimalText = Field(description="its share of the document discount")
    net: DecimalText = Field(description="without tax, after discounts")
    taxes: list[LineTax] = Field(
        default_factory=list, description="per rate: the code, rate and version priced, base, tax"
    )
    tax: DecimalText
    total: DecimalText = Field(description="net + tax")


class InvoicedLine(BaseModel):
    """What one invoice line, or one credit note line, reverses or carries: quantity, net,
    taxes per rate, total."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line: int = Field(ge=1)
    sku: Identifier
    quantity: DecimalText = Field(description="0 for a credit of an amount")
    net: DecimalText
    taxes: list[LineTax] = Field(default_factory=list)
    tax: DecimalText
    total: DecimalText


class _CustomerInvoiceFacts(Event):
    """The sales invoice as it is after the event."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    invoice_id: Identifier = Field(description="<series>-<number>, e.g. SI-000042")
    series: Identifier
    number: int = Field(ge=1, description="gap-free within the series")
    order_id: Identifier
    customer_id: Identifier
    branch_id: Identifier
    status: CustomerInvoiceStatus
    currency: CurrencyCode
    total: DecimalText
    amount_credited: DecimalText = Field(description="the credit notes' totals")
    amount_paid: DecimalText = Field(description="payments received")
    amount_refunded: DecimalText = Field(description="refunds paid out")
    balance: DecimalText = Field(
        description="total - credited - paid + refunded: owed by the customer when above 0, "
        "owed to the customer when below"
    )
    due_at: AwareDatetime
    billing_contact: BillingContact | None = None


class CustomerInvoiceIssued(_CustomerInvoiceFacts):
    """A sales order (or part of it) was invoiced: its lines, discounts and taxes per rate as
    the order was priced. Each line's values are whole minor units adding up to the order's
    rounded totals (the cents left over go to the largest remainders); an invoice of part of a
    line takes its quantity's share from a running total rounded half to even, and the invoice
    that completes the line takes what is left, so an order's invoices add up to its
    ``grand_total`` and to each tax rate's total to the cent."""

    routing_key: ClassVar[str] = "billing.customer_invoice_issued"
    policy: InvoicingPolicy
    issue_id: Identifier | None = Field(
        default=None, description="per_issue: the goods issue this invoice bills"
    )
    lines: list[CustomerInvoiceLine]
    taxes: list[TaxTotal] = Field(description="per tax rate: the base and the tax invoiced")
    prices_include_tax: bool = False
    net_total: DecimalText
    tax_total: DecimalText
    payment_terms_days: int
    issued_at: AwareDatetime
    final: bool = Field(description="true: nothing of the order is left to invoice")


class RecordCustomerPayment(Command):
    """Record money received for a sales invoice (partial payments add up). Refused: another
    currency (``currency_mismatch``), more decimals than the currency has (``invalid_amount``),
    more than the balance (``overpayment``), a payment_id recorded already
    (``duplicate_payment``)."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    routing_key: ClassVar[str] = "billing.record_customer_payment"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.customer_payment_recorded",)
    acting_person: ClassVar[str | None] = "recorded_by"
    invoice_id: Identifier
    payment_id: Identifier = Field(description="the bank's or provider's reference")
    amount: Amount
    currency: CurrencyCode
    received_at: AwareDatetime | None = Field(default=None, description="absent: now")
    recorded_by: Identifier


class CustomerPaymentRecorded(_CustomerInvoiceFacts):
    """Money received for a sales invoice; ``balance`` is what is left to pay."""

    routing_key: ClassVar[str] = "billing.customer_payment_recorded"
    payment_id: Identifier
    amount: DecimalText
    received_at: AwareDatetime


class IssueCreditNote(Command):
    """Credit a sales invoice: items and quantities (each line's net and taxes reversed in
    proportion), or an amount (shared over what is left of the invoice's lines and taxes).
    Refused when it is more than is left on the invoice (``credit_exceeds_invoice``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "invoice_id": "SI-000001",
                    "lines": [{"sku": "BOLT-M8", "quantity": "2"}],
                    "reason": "two returned damaged",
                    "issued_by": "ann",
                },
                {
                    "invoice_id": "SI-000001",
                    "amount": "12.50",
                    "reason": "goodwill for a late delivery",
                    "issued_by": "ann",
                },
            ]
        }
    )
    ordering_key: ClassVar[str | None] = "invoice_id"
    routing_key: ClassVar[str] = "billing.issue_credit_note"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.credit_note_issued",)
    acting_person: ClassVar[str | None] = "issued_by"
    invoice_id: Identifier
    lines: list[StockLine] = Field(
        default_factory=list, max_length=500, description="items (sku) and quantities credited"
    )
    amount: Amount | None = Field(
        default=None, description="instead of lines: this much credited, taxes included"
    )
    reason: str = Field(min_length=1, max_length=500)
    issued_by: Identifier

    @model_validator(mode="after")
    def _lines_or_amount(self) -> IssueCreditNote:
        if bool(self.lines) == (self.amount is not None):
            raise ValueError("give either lines or an amount")
        return self


class CreditNote(BaseModel):
    """A credit note: what it reverses of its invoice, line by line and per tax rate."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    credit_note_id: Identifier = Field(description="<invoice_id>-CN<k>, k from 1 per invoice")
    invoice_id: Identifier
    lines: list[InvoicedLine]
    taxes: list[TaxTotal]
    net_total: DecimalText
    tax_total: DecimalText
    total: DecimalText
    reason: str
    return_id: Identifier | None = Field(
        default=None, description="the return received it credits (inventory.return_received)"
    )
    issued_by: Identifier
    issued_at: AwareDatetime
    refunded: DecimalText = Field(default=Decimal(0), description="refunds paid against it")


class CreditNoteIssued(_CustomerInvoiceFacts):
    """A credit note on a sales invoice (by command, or for a return: ``return_id``): each
    line's net and taxes reversed in proportion to the quantity (by the invoices' running-total
    rule), or an amount shared over what is left of the lines' nets and taxes."""

    routing_key: ClassVar[str] = "billing.credit_note_issued"
    credit_note: CreditNote


class RecordRefund(Command):
    """Record money paid back to the customer: against a credit note, or an invoice's credit
    balance. Never more than the credit (``refund_exceeds_credit``): what the invoice owes the
    customer (a negative balance) and, with a credit note, what of it is not refunded yet."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    routing_key: ClassVar[str] = "billing.record_refund"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.refund_recorded",)
    acting_person: ClassVar[str | None] = "recorded_by"
    invoice_id: Identifier
    credit_note_id: Identifier | None = None
    refund_id: Identifier = Field(description="the bank's reference; one refund once")
    amount: Amount
    currency: CurrencyCode
    paid_at: AwareDatetime | None = Field(default=None, description="absent: now")
    recorded_by: Identifier


class RefundRecorded(_CustomerInvoiceFacts):
    """Money paid back to the customer (a payment out) against a sales invoice's credit."""

    routing_key: ClassVar[str] = "billing.refund_recorded"
    refund_id: Identifier
    credit_note_id: Identifier | None = None
    amount: DecimalText
    paid_at: AwareDatetime


class CustomerInvoiceOverdue(_CustomerInvoiceFacts):
    """A reminder: the sales invoice is unpaid after its due date (attempt ``attempt`` of
    ``attempts``, on the days of ``OMS_DUNNING_DELAYS_DAYS``). A sales invoice is only
    reminded; after the last reminder nothing further happens on its own."""

    routing_key: ClassVar[str] = "billing.customer_invoice_overdue"
    attempt: int = Field(ge=1)
    attempts: int = Field(ge=1)
    next_attempt_at: AwareDatetime | None = Field(
        default=None, description="the next reminder; none at the last"
    )


class CreditedLines(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    invoice_id: Identifier
    lines: list[StockLine]


class ReturnCredited(Event):
    """What billing does with goods a customer returned (``inventory.return_received``): the
    invoices it credits (oldest first; each gets a ``billing.credit_note_issued``), what it
    takes off what is still to be invoiced (items not invoiced yet), and what it could not
    credit at all."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "billing.return_credited"
    order_id: Identifier
    return_id: Identifier
    customer_id: Identifier
    credits: list[CreditedLines] = Field(default_factory=list)
    not_yet_invoiced: list[StockLine] = Field(
        default_factory=list, description="taken off what the order will still be invoiced for"
    )
    not_credited: list[StockLine] = Field(
        default_factory=list, description="beyond what was shipped and invoiced: nothing done"
    )
    detail: str = Field(description="a sentence saying what was done")
