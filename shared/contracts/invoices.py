"""Commands and events of invoices: issued for approved renewals, numbered without gaps per
series; payments recorded by command; dunning steps. Money travels as decimal strings."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import (
    AS_TEXT,
    FROM_TEXT,
    CurrencyCode,
    DecimalText,
    Identifier,
)
from shared.contracts.pricing import PricedDocument
from shared.contracts.subscriptions import BillingContact

Amount = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


class InvoiceLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    description: str
    sku: Identifier | None = None
    quantity: DecimalText
    unit_price: DecimalText
    net: DecimalText
    tax: DecimalText
    total: DecimalText


class RecordPayment(Command):
    """Record money received for an invoice (the payment provider is outside OMS); partial
    payments add up; more than the balance is refused (overpayment)."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    routing_key: ClassVar[str] = "billing.record_payment"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.payment_recorded",)
    acting_person: ClassVar[str | None] = "recorded_by"
    invoice_id: Identifier
    payment_id: Identifier = Field(description="the provider's reference; one payment once")
    amount: Amount
    currency: CurrencyCode
    received_at: AwareDatetime | None = Field(default=None, description="absent: now")
    recorded_by: Identifier


class VoidInvoice(Command):
    """Cancel an open invoice issued in error; it is kept, numbered, as void."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    routing_key: ClassVar[str] = "billing.void_invoice"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.invoice_voided",)
    acting_person: ClassVar[str | None] = "voided_by"
    invoice_id: Identifier
    reason: str = Field(min_length=1, max_length=500)
    voided_by: Identifier


class _InvoiceFacts(Event):
    """The invoice as it is after the event."""

    ordering_key: ClassVar[str | None] = "invoice_id"
    invoice_id: Identifier = Field(description="<series>-<number>, e.g. INV-000042")
    series: Identifier
    number: int = Field(ge=1, description="gap-free within the series")
    subscription_id: Identifier
    customer_id: Identifier
    order_id: Identifier
    status: InvoiceStatus
    currency: CurrencyCode
    total: DecimalText
    amount_paid: DecimalText
    balance: DecimalText
    due_at: AwareDatetime
    billing_contact: BillingContact


class InvoiceIssued(_InvoiceFacts):
    """An invoice for an approved renewal order: its lines and taxes as the order was priced."""

    routing_key: ClassVar[str] = "billing.invoice_issued"
    lines: list[InvoiceLine]
    pricing: PricedDocument | None = None
    tax_total: DecimalText
    issued_at: AwareDatetime


class PaymentRecorded(_InvoiceFacts):
    routing_key: ClassVar[str] = "billing.payment_recorded"
    payment_id: Identifier
    amount: DecimalText


class InvoiceOverdue(_InvoiceFacts):
    """A dunning step: the invoice is unpaid after its due date (attempt ``attempt`` of
    ``attempts``); the billing contact is reminded; the subscription is past due."""

    routing_key: ClassVar[str] = "billing.invoice_overdue"
    attempt: int = Field(ge=1)
    attempts: int = Field(ge=1)
    next_attempt_at: AwareDatetime | None = Field(
        default=None, description="the next reminder; none at the last attempt"
    )
    final_action: str = Field(
        description="what happens after the last attempt: cancel_subscription or mark_uncollectible"
    )


class InvoiceUncollectible(_InvoiceFacts):
    """Dunning gave up: the invoice is written off (a later payment is still recorded)."""

    routing_key: ClassVar[str] = "billing.invoice_uncollectible"


class InvoiceVoided(_InvoiceFacts):
    routing_key: ClassVar[str] = "billing.invoice_voided"
    reason: str
