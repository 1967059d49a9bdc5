"""Pricing one document: its lines, discounts and taxes, and its totals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from shared.contracts.common import Discount
from shared.contracts.pricing import (
    LineTax,
    PricedDocument,
    PricedLine,
    PricingTerms,
    TaxRate,
    TaxRounding,
)
from shared.pricing.discounts import Keep, document_shares, line_discount
from shared.pricing.errors import EmptyDocument, InvalidLine, UnknownTaxRate
from shared.pricing.money import ZERO, minor_unit, round_to
from shared.pricing.taxes import LineTaxes, line_taxes, tax_totals

SHOWN_EXPONENT = -6
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
    line: PricingLine
    amount: Decimal
    line_discount: Decimal
    document_discount: Decimal
    net: Decimal
    taxes: LineTaxes

    @property
    def discounted(self) -> Decimal:
        return self.amount - self.line_discount - self.document_discount


def price_document(
    lines: Sequence[PricingLine],
    terms: PricingTerms,
    rates: Mapping[str, TaxRate],
    *,
    currency: str,
    tax_exemption: str | None = None,
) -> PricedDocument:
    """Price ``lines`` on ``terms`` with the tax ``rates`` by code, in ``currency``;
    ``tax_exemption``: the certificate id of a customer exempt from tax, whose lines carry
    none (their codes are neither looked up nor charged; an inclusive price is all net)."""
    if not lines:
        raise EmptyDocument("A document needs at least one line to be priced.")
    unit = minor_unit(currency)
    per_line = terms.tax_rounding is TaxRounding.LINE

    def keep(amount: Decimal) -> Decimal:
        return round_to(amount, unit) if per_line else amount

    offs = [_discounted(line, unit, keep) for line in lines]
    after = [amount - off for amount, off in offs]
    shares = document_shares(terms.discount, after, unit=unit, keep=keep)
    priced = []
    for i, line in enumerate(lines):
        amount, off = offs[i]
        net, taxes = line_taxes(
            after[i] - shares[i],
            [] if tax_exemption else _rates_of(line, rates),
            inclusive=terms.prices_include_tax,
            keep=keep,
        )
        priced.append(_Priced(line, amount, off, shares[i], net, taxes))
    return _document(priced, terms, currency, unit).model_copy(
        update={"tax_exemption": tax_exemption}
    )


def _discounted(line: PricingLine, unit: Decimal, keep: Keep) -> tuple[Decimal, Decimal]:
    """A line's amount and its own discount."""
    amount = keep(_checked(line).quantity * line.unit_price)
    return amount, line_discount(line.discount, amount, unit=unit, keep=keep, sku=line.sku)


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
    priced: Sequence[_Priced],
    terms: PricingTerms,
    currency: str,
    unit: Decimal,
) -> PricedDocument:
    """The totals, each rounded once from exact sums (see the package's docstring)."""
    taxes = tax_totals([(p.net, p.taxes) for p in priced], unit)
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
        lines=[_line(p, inclusive) for p in priced],
        taxes=taxes,
        subtotal=subtotal,
        line_discount_total=subtotal - discounted - document_discount,
        document_discount=document_discount,
        discount_total=subtotal - discounted,
        net_total=net_total,
        tax_total=tax_total,
        grand_total=net_total + tax_total,
    )


def _line(p: _Priced, inclusive: bool) -> PricedLine:
    line = p.line
    tax = sum((tax for _, tax in p.taxes), ZERO)
    # net + tax, as the customer sees it: an inclusive line's total is its discounted amount.
    total = p.discounted if inclusive else p.discounted + tax
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
            for rate, tax_ in p.taxes
        ],
        tax=_shown(tax),
        total=_shown(total),
    )


def _shown(amount: Decimal) -> Decimal:
    """An exact value with more than 6 decimals (a backed-out tax) shown to 6."""
    exponent = max(int(amount.as_tuple().exponent), SHOWN_EXPONENT)
    return round_to(amount, Decimal(f"1e{exponent}"))
