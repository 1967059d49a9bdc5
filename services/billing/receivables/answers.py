"""What the receivables queries answer: sales invoices (with their credit notes, payments and
refunds), a customer's open items and statement.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from shared.contracts.common import DecimalText
from shared.contracts.pricing import TaxTotal
from shared.contracts.receivables import (
    CreditNote,
    CustomerInvoiceLine,
    CustomerInvoiceStatus,
    InvoicingPolicy,
)
from shared.contracts.subscriptions import BillingContact
from shared.http import Answer

ZERO = Decimal(0)


class MoneyAnswer(Answer):
    """A payment received (``refund`` false) or a refund paid out (``refund`` true)."""

    id: str = Field(description="the payment_id or refund_id")
    amount: DecimalText
    at: datetime
    refund: bool = False
    credit_note_id: str | None = None


class CustomerInvoiceAnswer(Answer):
    """One sales invoice: its lines and taxes as priced, its credit notes, payments and
    refunds, its balance and where its reminders stand."""

    invoice_id: str
    series: str
    number: int
    order_id: str
    bill: str = Field(description="what billed it: approval, issue:<issue_id> or completion")
    issue_id: str | None = None
    customer_id: str
    branch_id: str
    currency: str
    policy: InvoicingPolicy
    payment_terms_days: int
    billing_contact: BillingContact | None = None
    lines: list[CustomerInvoiceLine]
    taxes: list[TaxTotal]
    prices_include_tax: bool = False
    net_total: DecimalText
    tax_total: DecimalText
    total: DecimalText
    final: bool = False
    issued_at: datetime
    due_at: datetime
    status: CustomerInvoiceStatus
    amount_credited: DecimalText = ZERO
    amount_paid: DecimalText = ZERO
    amount_refunded: DecimalText = ZERO
    balance: DecimalText
    credit_notes: list[CreditNote] = []
    payments: list[MoneyAnswer] = []
    attempts: int = Field(default=0, description="reminders sent")
    next_attempt_at: datetime | None = None
    version: int


class OpenItem(Answer):
    """A sales invoice with a balance: owed by the customer (above 0) or to it (below 0)."""

    invoice_id: str
    order_id: str
    currency: str
    issued_at: datetime
    due_at: datetime
    status: CustomerInvoiceStatus
    total: DecimalText
    amount_credited: DecimalText
    amount_paid: DecimalText
    amount_refunded: DecimalText
    balance: DecimalText
    attempts: int = Field(default=0, description="reminders sent")


class CurrencyBalance(Answer):
    currency: str
    balance: DecimalText


class OpenItemsAnswer(Answer):
    """A customer's open items, oldest first, and what they come to per currency."""

    customer_id: str
    items: list[OpenItem]
    balances: list[CurrencyBalance]


class StatementEntry(Answer):
    """One entry on the account: an invoice (+), credit note (-), payment (-) or refund (+),
    and the balance after it."""

    at: datetime
    kind: str = Field(description="invoice, credit_note, payment or refund")
    document_id: str = Field(description="the invoice, credit note, payment or refund id")
    invoice_id: str
    order_id: str
    amount: DecimalText = Field(description="what it adds to what the customer owes")
    balance: DecimalText


class StatementAccount(Answer):
    currency: str
    opening_balance: DecimalText = Field(description="owed before the period")
    entries: list[StatementEntry]
    closing_balance: DecimalText = Field(description="owed at its end")


class StatementAnswer(Answer):
    """A customer's statement for a period, per currency."""

    customer_id: str
    start: datetime | None = Field(default=None, description="the period's start (from)")
    end: datetime | None = Field(default=None, description="the period's end (to, inclusive)")
    accounts: list[StatementAccount]


class AgedBalance(Answer):
    """What is owed in one currency, by days past due on the day asked for."""

    customer_id: str | None = Field(default=None, description="absent on the totals")
    currency: str
    current: DecimalText = Field(description="not yet due, or due on the day")
    days_1_30: DecimalText = Field(description="1 to 30 days past due")
    days_31_60: DecimalText = Field(description="31 to 60 days past due")
    days_61_90: DecimalText = Field(description="61 to 90 days past due")
    over_90: DecimalText = Field(description="more than 90 days past due")
    total: DecimalText = Field(description="the sum of the buckets")
    credit: DecimalText = Field(
        description="owed to the customer on invoices in credit (never netted into the buckets)"
    )
    invoices: int = Field(description="invoices with a balance owed, counted in the buckets")


class AgedReceivablesAnswer(Answer):
    """Every sales invoice's balance at the end of ``as_of`` (UTC), in the bucket of its days
    past due (``as_of`` minus the due date), per customer and currency and in total per
    currency."""

    as_of: date
    customers: list[AgedBalance]
    totals: list[AgedBalance]
