"""Pricing configuration the order service keeps: tax rates (versioned) and price lists.

A tax rate code is one aggregate holding every version: redefining it adds a version, it never
changes one, so a document priced with version 2 still says version 2 after version 3 exists.
The version that prices a document is the one in force when it is priced: the latest
``effective_from`` not in the future (the later version on a tie).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from shared.contracts import (
    DefinePriceList,
    DefineTaxRate,
    ItemPrice,
    OrderLine,
    OrderLineInput,
    PricedDocument,
    PriceListDefined,
    PricingTerms,
    TaxRate,
    TaxRateDefined,
    utcnow,
)
from shared.domain import Aggregate, DomainError
from shared.pricing import UnknownPrice, in_force, price_document


class UnknownPriceList(DomainError):
    """An order names a price list that is not defined (order.define_price_list)."""

    reason = "unknown_price_list"


class PriceListMismatch(DomainError):
    """An order names a price list of another currency, or of another branch."""

    reason = "price_list_mismatch"


class InvalidPriceList(DomainError):
    """A price list names a sku twice."""

    reason = "invalid_price_list"


class TaxRateCode(Aggregate):
    """Every version of one tax rate code (``id``)."""

    versions: list[TaxRate] = Field(default_factory=list)

    @classmethod
    def define(cls, cmd: DefineTaxRate) -> TaxRateCode:
        tax_rate = cls(id=cmd.code)
        tax_rate.redefine(cmd)
        return tax_rate

    def redefine(self, cmd: DefineTaxRate) -> None:
        """A new version; the ones before stay as they were."""
        version = TaxRate(
            code=self.id,
            name=cmd.name,
            rate=cmd.rate,
            version=len(self.versions) + 1,
            effective_from=cmd.effective_from or utcnow(),
        )
        self.versions.append(version)
        self.record(
            TaxRateDefined(
                code=self.id,
                name=cmd.name,
                rate=cmd.rate,
                version=version.version,
                effective_from=version.effective_from,
                defined_by=cmd.defined_by,
            )
        )

    def in_force(self, at: datetime) -> TaxRate | None:
        """The version that prices a document at ``at``; ``None`` before the first starts."""
        return in_force(self.versions, at)


class PriceList(Aggregate):
    name: str
    currency: str
    branch_id: str | None = None
    prices: list[ItemPrice]
    revision: int = 0
    defined_by: str | None = None

    @classmethod
    def define(cls, cmd: DefinePriceList) -> PriceList:
        price_list = cls(id=cmd.price_list_id, name=cmd.name, currency=cmd.currency, prices=[])
        price_list.redefine(cmd)
        return price_list

    def redefine(self, cmd: DefinePriceList) -> None:
        """Replace the list's prices; orders already priced keep theirs."""
        skus = [price.sku for price in cmd.prices]
        if twice := sorted({sku for sku in skus if skus.count(sku) > 1}):
            raise InvalidPriceList(
                f"Price list {self.id} names {', '.join(twice)} more than once: give each sku "
                "one price."
            )
        self.name, self.currency, self.branch_id = cmd.name, cmd.currency, cmd.branch_id
        self.prices, self.defined_by = cmd.prices, cmd.defined_by
        self.revision += 1
        self.record(
            PriceListDefined(
                price_list_id=self.id,
                name=self.name,
                currency=self.currency,
                branch_id=self.branch_id,
                prices=self.prices,
                revision=self.revision,
                defined_by=cmd.defined_by,
            )
        )

    def check_usable(self, *, currency: str, branch_id: str) -> None:
        if currency != self.currency:
            raise PriceListMismatch(
                f"Price list {self.id} is in {self.currency}, the order in {currency}: use a "
                f"list in {currency}, or give the unit prices."
            )
        if self.branch_id not in {None, branch_id}:
            raise PriceListMismatch(
                f"Price list {self.id} is for branch {self.branch_id}, not {branch_id}."
            )

    def price_of(self, sku: str) -> Decimal | None:
        return next((price.unit_price for price in self.prices if price.sku == sku), None)


def with_prices(lines: Sequence[OrderLineInput], price_list: PriceList | None) -> list[OrderLine]:
    """The lines with a unit price each: the one given, else the price list's for the sku."""
    priced = []
    for line in lines:
        price = line.unit_price
        if price is None and price_list is not None:
            price = price_list.price_of(line.sku)
        if price is None:
            source = f"price list {price_list.id}" if price_list else "no price list"
            raise UnknownPrice(
                f"Line {line.sku} has no unit price and {source} gives one: give the unit "
                "price, or a price list that has the sku."
            )
        priced.append(OrderLine(**{**line.model_dump(), "unit_price": price}))
    return priced


def price_order(
    lines: Sequence[OrderLineInput],
    terms: PricingTerms,
    *,
    currency: str,
    branch_id: str,
    price_list: PriceList | None,
    rates: Mapping[str, TaxRate],
    tax_exemption: str | None = None,
) -> tuple[list[OrderLine], PricedDocument]:
    """An order's lines, each with its unit price, and the order priced on ``terms``
    (``tax_exemption``: the certificate of an exempt customer, whose lines carry no tax)."""
    if price_list is not None:
        price_list.check_usable(currency=currency, branch_id=branch_id)
    priced_lines = with_prices(lines, price_list)
    document = price_document(
        priced_lines, terms, rates, currency=currency, tax_exemption=tax_exemption
    )
    return priced_lines, document
