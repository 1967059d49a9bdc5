"""Taxes: on one line (added to its net amount or backed out of its gross), per rate overall."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from shared.contracts.pricing import TaxRate, TaxTotal
from shared.pricing.discounts import Keep
from shared.pricing.money import HUNDRED, ZERO, percent_of, round_to

LineTaxes = list[tuple[TaxRate, Decimal]]
"""A line's tax at each of its rates."""


def line_taxes(
    amount: Decimal, rates: Sequence[TaxRate], *, inclusive: bool, keep: Keep
) -> tuple[Decimal, LineTaxes]:
    """The net amount of a line worth ``amount`` after discounts, and its tax at each rate.

    Every rate is computed on the same base, the net amount (no tax on tax). Tax-inclusive:
    the net is ``amount / (1 + sum of rates)``, each tax is its rate of that, and the net is
    then what is left of ``amount`` after the (kept) taxes, so that net + taxes == amount.
    """
    if not inclusive:
        return amount, [(rate, keep(percent_of(amount, rate.rate))) for rate in rates]
    combined = sum((rate.rate for rate in rates), ZERO)
    net = amount * HUNDRED / (HUNDRED + combined)
    taxes = [(rate, keep(percent_of(net, rate.rate))) for rate in rates]
    return amount - sum((tax for _, tax in taxes), ZERO), taxes


def tax_totals(lines: Sequence[tuple[Decimal, LineTaxes]], unit: Decimal) -> list[TaxTotal]:
    """Per rate code, over ``(net, taxes)`` of every line: the base and the tax, each rounded
    once from the exact sum (a sum of rounded line values is already round)."""
    sums: dict[str, tuple[TaxRate, Decimal, Decimal]] = {}
    for net, taxes in lines:
        for rate, tax in taxes:
            _, base_sum, tax_sum = sums.get(rate.code, (rate, ZERO, ZERO))
            sums[rate.code] = (rate, base_sum + net, tax_sum + tax)
    return [
        TaxTotal(
            code=code,
            name=rate.name,
            rate=rate.rate,
            version=rate.version,
            base=round_to(base, unit),
            tax=round_to(tax, unit),
        )
        for code, (rate, base, tax) in sorted(sums.items())
    ]
