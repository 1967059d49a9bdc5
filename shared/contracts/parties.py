"""Customer and vendor records: who OMS sells to and buys from.

They come from the business's own systems as integration events (``customer.upserted``,
``vendor.upserted`` on ``oms.events``, each with a ``version``), or, when OMS runs alone, from
the back office and omsctl as commands (``order.upsert_customer``, ``order.upsert_vendor``).
The order service keeps the record (its one home in OMS), checks orders against it, and
publishes each accepted change as ``order.customer_recorded`` / ``order.vendor_recorded``:
the other services keep the copy they need from those, never from the integration events.

A version orders the changes of one record: an event whose version is not above the stored
one is ignored (a late or repeated event never overwrites a newer one) and logged.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from shared.contracts.base import Command, Event
from shared.contracts.common import AS_TEXT, FROM_TEXT, CurrencyCode, Identifier

INTEGRATION_SENDERS = {"customer": "customers", "vendor": "vendors", "product": "products"}
"""Integration events travel as ``<record>.upserted`` (not ``<service>.<verb>``), each sent by
its own caller (RabbitMQ user): ``customer.upserted`` by ``customers``, and so on."""

RecordVersion = Annotated[int, Field(ge=1, le=2**62)]
"""A record's version: larger is newer (a sequence, or a time in milliseconds)."""

NonNegativeAmount = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False),
    FROM_TEXT,
    AS_TEXT,
]


class PartyStatus(StrEnum):
    """Whether orders may be made for a customer or vendor."""

    ACTIVE = "active"
    ON_HOLD = "on_hold"
    """No new orders for now (a dispute, a review); existing ones go on."""
    BLOCKED = "blocked"
    """No new orders."""


class UnknownParty(StrEnum):
    """What a branch does with an order that breaks a record's rule (its customer or vendor
    unknown, blocked, on hold or buying in another currency; a discontinued product):
    ``order.configure_branch`` ``unknown_party``."""

    ALLOW = "allow"
    """The order goes on and carries the finding in ``flags`` (the default)."""
    REFUSE = "refuse"
    """The command is refused with the finding's reason."""


class OrderFlag(BaseModel):
    """What the order service found wrong with an order's customer, vendor or products when the
    order was created, changed or submitted at a branch that allows it (``unknown_party:
    allow``): ``reason`` is the rule's code, ``detail`` a sentence naming what broke it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    reason: str = Field(
        description="unknown_customer, customer_blocked, customer_on_hold, unknown_vendor, "
        "vendor_blocked, vendor_on_hold, currency_mismatch or discontinued_product",
        examples=["discontinued_product"],
    )
    detail: str = Field(description="a sentence naming the record and what is wrong")


class Address(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    lines: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=4, description="street and number, building, ..."
    )
    city: str = Field(min_length=1, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=100)
    country: str = Field(
        pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code, e.g. US"
    )


class TaxExemption(BaseModel):
    """A customer's tax exemption: while the certificate is valid, their lines carry no tax."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    certificate_id: Identifier
    expires_on: date = Field(
        description="the last day the certificate is valid; a record whose certificate has "
        "already expired when it arrives is refused (exemption_expired)"
    )


class CreditLimit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    amount: NonNegativeAmount
    currency: CurrencyCode = Field(
        description="must be the customer's currency (credit_limit_currency)"
    )


class CustomerRecord(BaseModel):
    """What OMS knows of a customer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    customer_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    status: PartyStatus = PartyStatus.ACTIVE
    email: EmailStr | None = Field(default=None, description="the billing contact")
    billing_address: Address | None = None
    shipping_address: Address | None = None
    currency: CurrencyCode = Field(
        description="the currency the customer buys in: a sales order in another is refused "
        "or flagged (currency_mismatch), as the branch's unknown_party setting says"
    )
    price_list_id: Identifier | None = Field(
        default=None, description="prices the customer's orders that name no price list"
    )
    branch_id: Identifier | None = Field(
        default=None, description="the branch of the customer's orders that name none"
    )
    payment_terms_days: int | None = Field(
        default=None, ge=0, le=365, description="days from invoice to due date"
    )
    tax_exemption: TaxExemption | None = None
    credit_limit: CreditLimit | None = Field(
        default=None,
        description="open exposure (open sales orders not yet invoiced plus unpaid invoices) "
        "above it sends a sales order to the credit approver; absent: no limit",
    )

    @model_validator(mode="after")
    def _limit_in_own_currency(self) -> CustomerRecord:
        if self.credit_limit is not None and self.credit_limit.currency != self.currency:
            raise ValueError(
                f"credit_limit_currency: the credit limit is in {self.credit_limit.currency}, "
                f"the customer buys in {self.currency}"
            )
        return self


class VendorRecord(BaseModel):
    """What OMS knows of a vendor."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    vendor_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    status: PartyStatus = PartyStatus.ACTIVE
    email: EmailStr | None = Field(default=None, description="the vendor's contact")
    address: Address | None = None
    currency: CurrencyCode = Field(
        description="the currency the vendor sells in: a purchase order in another is refused "
        "or flagged (currency_mismatch)"
    )
    branch_id: Identifier | None = Field(
        default=None, description="the branch of purchase orders that name none"
    )
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)


class CustomerUpserted(Event):
    """Integration event from the business's customer system: the whole record, as it is now.

    Sent by the caller ``customers`` (its RabbitMQ user) on ``oms.events``. Ignored, and logged,
    when its version is not above the stored one, or when the record breaks a rule
    (credit_limit_currency, exemption_expired)."""

    ordering_key: ClassVar[str | None] = "customer_id"
    routing_key: ClassVar[str] = "customer.upserted"
    customer_id: Identifier
    version: RecordVersion
    record: CustomerRecord

    @model_validator(mode="after")
    def _same_customer(self) -> CustomerUpserted:
        if self.record.customer_id != self.customer_id:
            raise ValueError("record.customer_id must be customer_id")
        return self


class VendorUpserted(Event):
    """Integration event from the business's vendor (or ERP) system: the whole record.

    Sent by the caller ``vendors`` on ``oms.events``; older versions are ignored as for
    customers."""

    ordering_key: ClassVar[str | None] = "vendor_id"
    routing_key: ClassVar[str] = "vendor.upserted"
    vendor_id: Identifier
    version: RecordVersion
    record: VendorRecord

    @model_validator(mode="after")
    def _same_vendor(self) -> VendorUpserted:
        if self.record.vendor_id != self.vendor_id:
            raise ValueError("record.vendor_id must be vendor_id")
        return self


class UpsertCustomer(Command):
    """Add or change a customer when OMS runs alone (back office, omsctl). The new version is
    the stored one plus one."""

    ordering_key: ClassVar[str | None] = "customer_id"
    routing_key: ClassVar[str] = "order.upsert_customer"
    answered_by: ClassVar[tuple[str, ...]] = ("order.customer_recorded",)
    acting_person: ClassVar[str | None] = "changed_by"
    customer_id: Identifier
    record: CustomerRecord
    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="the version the change was made on (0: a new customer); another stored "
        "version is refused (stale_record); absent: no check",
    )
    changed_by: Identifier


class UpsertVendor(Command):
    """Add or change a vendor when OMS runs alone (back office, omsctl)."""

    ordering_key: ClassVar[str | None] = "vendor_id"
    routing_key: ClassVar[str] = "order.upsert_vendor"
    answered_by: ClassVar[tuple[str, ...]] = ("order.vendor_recorded",)
    acting_person: ClassVar[str | None] = "changed_by"
    vendor_id: Identifier
    record: VendorRecord
    expected_version: int | None = Field(default=None, ge=0)
    changed_by: Identifier


class CustomerRecorded(Event):
    """A customer record as OMS now holds it (from either source)."""

    ordering_key: ClassVar[str | None] = "customer_id"
    routing_key: ClassVar[str] = "order.customer_recorded"
    customer_id: Identifier
    version: RecordVersion
    record: CustomerRecord
    source: str = Field(
        description="`oms` (back office, omsctl) or the integration caller that sent it"
    )
    changed_by: Identifier | None = None


class VendorRecorded(Event):
    ordering_key: ClassVar[str | None] = "vendor_id"
    routing_key: ClassVar[str] = "order.vendor_recorded"
    vendor_id: Identifier
    version: RecordVersion
    record: VendorRecord
    source: str
    changed_by: Identifier | None = None
