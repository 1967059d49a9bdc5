"""Pricing one document: its lines, discounts and taxes, and its totals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from services.order.pricing.discounts import document_shares, line_discount
from services.order.pricing.errors import EmptyDocument, InvalidLine, UnknownTaxRate
from services.order.pricing.money import ZERO, minor_unit, round_to
from services.order.pricing.taxes import line_taxes, tax_totals
from shared.contracts.common import Discount
from shared.contracts.pricing import (
    LineTax,
    PricedDocument,
    PricedLine,
    PricingTerms,
    TaxRate,
    TaxRounding,
)

SHOWN = Decimal("0.000001")
"""Exact line values (per-document rounding) are shown to 6 decimals; totals use them exact."""


class PricingLine(Protocol):
    """What pricing needs of a line (an order's, a quotation's, a cart's)."""

    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def discount(self) -> Discount | None: ...
    @property
    def tax_codes(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class _Priced:
    amount: Decimal
    line_discount: Decimal
    document_discount: Decimal
    rates: Sequence[TaxRate]
    net: Decimal
    taxes: Sequence[Decimal]

    @property
    def discounted(self) -> Decimal:
        return self.amount - self.line_discount - self.document_discount


def price_document(
    lines: Sequence[PricingLine],
    terms: PricingTerms,
    rates: Mapping[str, TaxRate],
    *,
    currency: str,
) -> PricedDocument:
    """Price ``lines`` on ``terms`` with the tax ``rates`` by code, in ``currency``."""
    if not lines:
        raise EmptyDocument("A document needs at least one line to be priced.")
    unit = minor_unit(currency)
    per_line = terms.tax_rounding is TaxRounding.LINE

    def keep(amount: Decimal) -> Decimal:
        return round_to(amount, unit) if per_line else amount

    amounts = [keep(_checked(line).quantity * line.unit_price) for line in lines]
    line_offs = [
        line_discount(line.discount, amount, unit=unit, keep=keep, sku=line.sku)
        for line, amount in zip(lines, amounts, strict=True)
    ]
    after = [amount - off for amount, off in zip(amounts, line_offs, strict=True)]
    shares = document_shares(terms.discount, after, unit=unit, keep=keep)
    priced = []
    for line, amount, off, share in zip(lines, amounts, line_offs, shares, strict=True):
        line_rates = _rates_of(line, rates)
        net, taxes = line_taxes(
            amount - off - share, line_rates, inclusive=terms.prices_include_tax, keep=keep
        )
        priced.append(_Priced(amount, off, share, line_rates, net, taxes))
    return _document(lines, priced, terms, currency, unit)


def _checked(line: PricingLine) -> PricingLine:
    if line.quantity <= ZERO or line.unit_price < ZERO:
        raise InvalidLine(
            f"Line {line.sku} has quantity {line.quantity} and unit price {line.unit_price}: "
            "the quantity must be above 0 and the price 0 or more."
        )
    return line


def _rates_of(line: PricingLine, rates: Mapping[str, TaxRate]) -> list[TaxRate]:
    if len(set(line.tax_codes)) != len(line.tax_codes):
        raise InvalidLine(f"Line {line.sku} names a tax code twice: {list(line.tax_codes)}.")
    unknown = [code for code in line.tax_codes if code not in rates]
    if unknown:
        raise UnknownTaxRate(
            f"Line {line.sku} names the tax rate {unknown[0]}, which is not defined: "
            "define it first (order.define_tax_rate)."
        )
    return [rates[code] for code in line.tax_codes]


def _document(
    lines: Sequence[PricingLine],
    priced: Sequence[_Priced],
    terms: PricingTerms,
    currency: str,
    unit: Decimal,
) -> PricedDocument:
    """The totals, each rounded once from exact sums (see the package's docstring)."""
    taxes = tax_totals([(p.rates, p.net, p.taxes) for p in priced], unit)
    tax_total = sum((tax.tax for tax in taxes), ZERO)
    subtotal = round_to(sum((p.amount for p in priced), ZERO), unit)
    discounted = round_to(sum((p.discounted for p in priced), ZERO), unit)
    document_discount = round_to(sum((p.document_discount for p in priced), ZERO), unit)
    inclusive = terms.prices_include_tax
    net_total = discounted - tax_total if inclusive else discounted
    return PricedDocument(
        currency=currency,
        prices_include_tax=inclusive,
        tax_rounding=terms.tax_rounding,
        lines=[_line(line, p) for line, p in zip(lines, priced, strict=True)],
        taxes=taxes,
        subtotal=subtotal,
        line_discount_total=subtotal - discounted - document_discount,
        document_discount=document_discount,
        discount_total=subtotal - discounted,
        net_total=net_total,
        tax_total=tax_total,
        grand_total=net_total + tax_total,
    )


def _line(line: PricingLine, p: _Priced) -> PricedLine:
    tax = sum(p.taxes, ZERO)
    return PricedLine(
        sku=line.sku,
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=_shown(p.amount),
        line_discount=_shown(p.line_discount),
        document_discount=_shown(p.document_discount),
        net=_shown(p.net),
        taxes=[
            LineTax(
                code=rate.code,
                rate=rate.rate,
                version=rate.version,
                base=_shown(p.net),
                tax=_shown(tax_),
            )
            for rate, tax_ in zip(p.rates, p.taxes, strict=True)
        ],
        tax=_shown(tax),
        total=_shown(p.net + tax),
    )


def _shown(amount: Decimal) -> Decimal:
    """An exact value with more than 6 decimals (a backed-out tax) shown to 6."""
    exponent = amount.as_tuple().exponent
    return round_to(amount, SHOWN) if isinstance(exponent, int) and exponent < -6 else amount
