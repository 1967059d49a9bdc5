"""Value types of pricing: the terms a document is priced on, tax rates, and the priced result.

The rules that turn lines, terms and rates into a priced document live in one pure module
(``shared/pricing``); these are the shapes that travel in messages. Every amount is a
decimal string in the document's currency.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import (
    CurrencyCode,
    DecimalText,
    Discount,
    Identifier,
    Percent,
    UnitPrice,
)


class TaxRounding(StrEnum):
    """Where taxes are rounded to the currency's minor unit."""

    LINE = "line"
    DOCUMENT = "document"


class PricingTerms(BaseModel):
    """How a document's lines are priced: tax basis, document discount, price list, rounding."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    prices_include_tax: bool = Field(
        default=False,
        description="true: unit prices and amount discounts include the line's taxes, which "
        "are backed out of them; false: taxes are added on top",
    )
    discount: Discount | None = Field(
        default=None,
        description="a discount on the whole document, after line discounts: a percent applies "
        "to every line; an amount is shared over the lines pro rata to their amounts (whole "
        "minor units, the units left over to the largest remainders, earlier line first), so "
        "that taxes are computed on discounted amounts; larger than the document: refused "
        "(discount_exceeds_document)",
    )
    price_list_id: Identifier | None = Field(
        default=None,
        description="the price list that prices lines sent without a unit price "
        "(unknown_price when it has no price for the sku)",
    )
    tax_rounding: TaxRounding = Field(
        default=TaxRounding.DOCUMENT,
        description="`document` (default): line values are kept exact and each total (per "
        "tax rate, net, grand) is rounded once, half to even, to the currency's minor unit; "
        "`line`: every line value (amount, discounts, each tax) is rounded, and the totals "
        "are sums of the rounded line values",
    )


class TaxRate(BaseModel):
    """One version of a tax rate, as a document is priced with it (and keeps it)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: Identifier = Field(description="the rate's code, e.g. CA-STATE")
    name: str = Field(default="", max_length=200)
    rate: Percent = Field(description='the rate in percent, e.g. "7.25"')
    version: int = Field(
        default=1, ge=1, description="which definition of the code: 1, then 2 after a change"
    )
    effective_from: datetime | None = Field(
        default=None, description="when this version applies from; none: from its definition"
    )


class LineTax(BaseModel):
    """One tax on one line: the rate it was computed with, its base and the tax."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: Identifier
    rate: DecimalText = Field(description="the rate in percent the line was priced with")
    version: int = Field(ge=1, description="the version of the rate the line was priced with")
    base: DecimalText = Field(description="the amount taxed: the line's net amount")
    tax: DecimalText


class PricedLine(BaseModel):
    """A line as priced: its amount, discounts, net amount, taxes and total."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: DecimalText
    unit_price: DecimalText
    amount: DecimalText = Field(
        description="quantity x unit price (tax included when the prices are)"
    )
    line_discount: DecimalText = Field(description="this line's own discount")
    document_discount: DecimalText = Field(description="this line's share of the document's")
    net: DecimalText = Field(description="the amount after discounts, without tax")
    taxes: list[LineTax] = Field(default_factory=list)
    tax: DecimalText = Field(description="the sum of this line's taxes")
    total: DecimalText = Field(description="net + tax")


class TaxTotal(BaseModel):
    """The taxable base and the tax of one tax rate over a whole document."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: Identifier
    name: str = ""
    rate: DecimalText = Field(description="the rate in percent")
    version: int = Field(ge=1)
    base: DecimalText = Field(description="the net amount of the lines taxed at this rate")
    tax: DecimalText


class PricedDocument(BaseModel):
    """A document's lines, priced, and its totals, in its currency.

    ``subtotal - discount_total`` is ``grand_total`` when prices include tax and ``net_total``
    when they do not; ``net_total + tax_total`` is always ``grand_total``.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    currency: CurrencyCode
    prices_include_tax: bool = False
    tax_rounding: TaxRounding = TaxRounding.DOCUMENT
    lines: list[PricedLine]
    taxes: list[TaxTotal] = Field(
        default_factory=list, description="one entry per tax rate code used, sorted by code"
    )
    subtotal: DecimalText = Field(description="the lines' amounts before any discount")
    line_discount_total: DecimalText
    document_discount: DecimalText
    discount_total: DecimalText = Field(description="line discounts + the document discount")
    net_total: DecimalText = Field(description="the total without tax, after discounts")
    tax_total: DecimalText
    grand_total: DecimalText = Field(description="what the document is for: net + tax")
    tax_exemption: Identifier | None = Field(
        default=None,
        description="the certificate id of the customer's tax exemption the document was "
        "priced under (its lines carry no tax); absent: taxed as its lines' codes say",
    )


# --- configuration: tax rates and price lists (the order service keeps them) ----------------


class DefineTaxRate(Command):
    """Define a tax rate, or change one: a change is a new version of the code, and documents
    priced before it keep the version they were priced with."""

    ordering_key: ClassVar[str | None] = "code"
    routing_key: ClassVar[str] = "order.define_tax_rate"
    answered_by: ClassVar[tuple[str, ...]] = ("order.tax_rate_defined",)
    acting_person: ClassVar[str | None] = "defined_by"
    code: Identifier = Field(description="the code lines name in tax_codes, e.g. CA-STATE")
    name: str = Field(min_length=1, max_length=200)
    rate: Percent = Field(description='the rate in percent, e.g. "7.25"; "0" for zero-rated')
    effective_from: AwareDatetime | None = Field(
        default=None,
        description="when this version starts to price documents; none: at once. Until then "
        "documents are priced with the version in force before (unknown_tax_rate if none)",
    )
    defined_by: Identifier


class TaxRateDefined(Event):
    """A tax rate code got a new version."""

    ordering_key: ClassVar[str | None] = "code"
    routing_key: ClassVar[str] = "order.tax_rate_defined"
    code: Identifier
    name: str
    rate: DecimalText = Field(description="the rate in percent")
    version: int = Field(ge=1, description="1 for the first definition, then one more each")
    effective_from: AwareDatetime
    defined_by: Identifier


class ItemPrice(BaseModel):
    """The unit price of one sku in a price list."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    unit_price: UnitPrice


class DefinePriceList(Command):
    """Define a price list, or replace its prices: orders that name it price their lines sent
    without a unit price from it, when they are created or updated."""

    ordering_key: ClassVar[str | None] = "price_list_id"
    routing_key: ClassVar[str] = "order.define_price_list"
    answered_by: ClassVar[tuple[str, ...]] = ("order.price_list_defined",)
    acting_person: ClassVar[str | None] = "defined_by"
    price_list_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    currency: CurrencyCode = Field(description="orders using the list must be in this currency")
    branch_id: Identifier | None = Field(
        default=None, description="only orders of this branch may use it; none: every branch"
    )
    prices: list[ItemPrice] = Field(
        min_length=1,
        max_length=5000,
        description="one price per sku (a sku twice is refused: invalid_price_list); the "
        "prices are tax-inclusive when an order using it says prices_include_tax",
    )
    defined_by: Identifier


class PriceListDefined(Event):
    """A price list was defined, or its prices replaced (``revision`` 2, 3...)."""

    ordering_key: ClassVar[str | None] = "price_list_id"
    routing_key: ClassVar[str] = "order.price_list_defined"
    price_list_id: Identifier
    name: str
    currency: CurrencyCode
    branch_id: Identifier | None = None
    prices: list[ItemPrice]
    revision: int = Field(ge=1)
    defined_by: Identifier
