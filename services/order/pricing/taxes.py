"""Taxes: on one line (added to its net amount or backed out of its gross), per rate overall."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from services.order.pricing.discounts import Keep
from services.order.pricing.money import HUNDRED, ZERO, percent_of, round_to
from shared.contracts.pricing import TaxRate, TaxTotal


def line_taxes(
    amount: Decimal, rates: Sequence[TaxRate], *, inclusive: bool, keep: Keep
) -> tuple[Decimal, list[Decimal]]:
    """The net amount of a line worth ``amount`` after discounts, and its tax at each rate.

    Every rate is computed on the same base, the net amount (no tax on tax). Tax-inclusive:
    the net is ``amount / (1 + sum of rates)``, each tax is its rate of that, and the net is
    then what is left of ``amount`` after the (kept) taxes, so that net + taxes == amount.
    """
    if not inclusive:
        return amount, [keep(percent_of(amount, rate.rate)) for rate in rates]
    combined = sum((rate.rate for rate in rates), ZERO)
    net = amount * HUNDRED / (HUNDRED + combined)
    taxes = [keep(percent_of(net, rate.rate)) for rate in rates]
    return amount - sum(taxes, ZERO), taxes


def tax_totals(
    lines: Sequence[tuple[Sequence[TaxRate], Decimal, Sequence[Decimal]]], unit: Decimal
) -> list[TaxTotal]:
    """Per rate code, over ``(rates, net, taxes)`` of every line: the base and the tax, each
    rounded once from the exact sum (a sum of rounded line values is already round)."""
    sums: dict[str, tuple[TaxRate, Decimal, Decimal]] = {}
    for rates, net, taxes in lines:
        for rate, tax in zip(rates, taxes, strict=True):
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
