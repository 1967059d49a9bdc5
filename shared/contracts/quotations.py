"""Quotations to customers, and the sales orders they become: commands and events.

A quotation is drafted, sent to its customer, and accepted or declined by them (recorded by
the back office) before its ``valid_until``; past that it is expired. It is revised while it
is not accepted. An accepted quotation is converted into a sales order with the same lines
once, however often the conversion is sent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import CurrencyCode, DecimalText, Identifier
from shared.contracts.orders import PRICING_TERMS, InputLines, Lines, NonEmptyLines
from shared.contracts.pricing import PricedDocument, PricingTerms

DocumentId = Annotated[Identifier, Field(max_length=60)]
"""A quotation or RFQ id: at most 60 characters, so that the order made from it can be named
``SO-<id>`` or ``PO-<id>``."""

TERMS_DESCRIPTION = (
    f"{PRICING_TERMS}. The sales order made from the quotation is priced on the same terms, "
    "lines and tax rates"
)
VALID_UNTIL = Field(
    description="the moment (ISO-8601 with a time zone) after which the offer no longer holds",
    examples=["2030-12-31T23:59:59Z"],
)


class QuotationStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CONVERTED = "converted"


class _QuotationCommand(Command):
    ordering_key: ClassVar[str | None] = "quotation_id"
    quotation_id: DocumentId


class CreateQuotation(_QuotationCommand):
    """Draft a quotation for a customer: lines at their prices, valid until a moment."""

    routing_key: ClassVar[str] = "order.create_quotation"
    answered_by: ClassVar[tuple[str, ...]] = ("order.quotation_created",)
    acting_person: ClassVar[str | None] = "created_by"
    customer_id: Identifier
    branch_id: Identifier
    created_by: Identifier
    currency: CurrencyCode
    lines: InputLines = NonEmptyLines
    pricing: PricingTerms | None = Field(default=None, description=TERMS_DESCRIPTION)
    valid_until: AwareDatetime = VALID_UNTIL
    notes: str | None = Field(default=None, max_length=2000)


class ReviseQuotation(_QuotationCommand):
    """Change a quotation that is not accepted: a new revision, a draft to send again. Fields
    left out stay as they are; an expired quotation needs a new ``valid_until``. A change of
    lines, branch, currency or pricing prices it again with the tax rates in force now."""

    routing_key: ClassVar[str] = "order.revise_quotation"
    answered_by: ClassVar[tuple[str, ...]] = ("order.quotation_revised",)
    acting_person: ClassVar[str | None] = "revised_by"
    revised_by: Identifier
    branch_id: Identifier | None = None
    currency: CurrencyCode | None = None
    lines: InputLines | None = Field(default=None, min_length=1, max_length=500)
    pricing: PricingTerms | None = Field(
        default=None, description="new pricing terms; none: the quotation's stay as they are"
    )
    valid_until: AwareDatetime | None = Field(
        default=None, description="a new end of validity (ISO-8601 with a time zone)"
    )
    notes: str | None = Field(default=None, max_length=2000)


class SendQuotation(_QuotationCommand):
    """Record that a draft quotation went to its customer; they may accept or decline it."""

    routing_key: ClassVar[str] = "order.send_quotation"
    answered_by: ClassVar[tuple[str, ...]] = ("order.quotation_sent",)
    acting_person: ClassVar[str | None] = "sent_by"
    sent_by: Identifier


class AcceptQuotation(_QuotationCommand):
    """Record the customer's acceptance of a sent quotation, before it expires."""

    routing_key: ClassVar[str] = "order.accept_quotation"
    answered_by: ClassVar[tuple[str, ...]] = ("order.quotation_accepted",)
    acting_person: ClassVar[str | None] = "accepted_by"
    accepted_by: Identifier = Field(description="who records the customer's acceptance")


class DeclineQuotation(_QuotationCommand):
    """Record that the customer declined a sent quotation (it may still be revised)."""

    routing_key: ClassVar[str] = "order.decline_quotation"
    answered_by: ClassVar[tuple[str, ...]] = ("order.quotation_declined",)
    acting_person: ClassVar[str | None] = "declined_by"
    declined_by: Identifier
    reason: str | None = Field(default=None, max_length=2000)


class ConvertQuotation(_QuotationCommand):
    """Make the sales order of an accepted quotation (same customer, branch, currency, lines):
    once, however often this is sent; sent again, it is answered with the same order."""

    routing_key: ClassVar[str] = "order.convert_quotation"
    answered_by: ClassVar[tuple[str, ...]] = ("order.quotation_converted",)
    acting_person: ClassVar[str | None] = "converted_by"
    converted_by: Identifier = Field(description="who converts it; the sales order's creator")
    order_id: Identifier | None = Field(
        default=None, description="the sales order's id; default SO-<quotation_id>"
    )


class _QuotationFacts(Event):
    ordering_key: ClassVar[str | None] = "quotation_id"
    quotation_id: Identifier
    status: QuotationStatus
    revision: int = Field(ge=1, description="1 for the first version, one more per revision")
    customer_id: Identifier
    branch_id: Identifier
    created_by: Identifier
    currency: CurrencyCode
    lines: Lines = Field(description="the lines, each with its unit price")
    total: DecimalText = Field(description="the grand total (pricing.grand_total)")
    pricing: PricedDocument = Field(
        description="the quotation priced, as its sales order will be: each line's amount, "
        "discounts, net, taxes (with the rate and version used) and total; the totals"
    )
    valid_until: AwareDatetime
    order_id: Identifier | None = Field(
        default=None, description="the sales order it was converted into"
    )


class QuotationCreated(_QuotationFacts):
    routing_key: ClassVar[str] = "order.quotation_created"


class QuotationRevised(_QuotationFacts):
    routing_key: ClassVar[str] = "order.quotation_revised"
    revised_by: Identifier


class QuotationSent(_QuotationFacts):
    routing_key: ClassVar[str] = "order.quotation_sent"
    sent_by: Identifier


class QuotationAccepted(_QuotationFacts):
    routing_key: ClassVar[str] = "order.quotation_accepted"
    accepted_by: Identifier


class QuotationDeclined(_QuotationFacts):
    routing_key: ClassVar[str] = "order.quotation_declined"
    declined_by: Identifier
    reason: str | None = None


class QuotationExpired(_QuotationFacts):
    """The quotation passed its ``valid_until`` before it was converted: it can no longer be
    accepted or converted (a revision with a new validity makes it a draft again)."""

    routing_key: ClassVar[str] = "order.quotation_expired"


class QuotationConverted(_QuotationFacts):
    """The accepted quotation became sales order ``order_id`` (whose ``order.created``
    follows)."""

    routing_key: ClassVar[str] = "order.quotation_converted"
    converted_by: Identifier
    repeated: bool = Field(
        default=False,
        description="true when it had been converted before: the same order, no new one",
    )
