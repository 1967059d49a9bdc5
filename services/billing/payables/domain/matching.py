"""The three-way match of one bill line: its price against the purchase order's, its quantity
against what was received and not billed before, each within the branch's tolerance.

The checks are exact (no rounding before comparing): a line's unit price is within when it
differs from the order's net unit price by at most ``price_percent`` % of that price and, with
an amount limit, by at most ``price_amount / quantity`` per unit (the line's price variance at
most that amount); its quantity is within when it is at most what is available plus
``quantity_percent`` % of it. Money shown (net, price variance) is rounded half to even to the
currency's minor unit, once; the price variance is ``net - order_net``, both rounded, so that
``order_net + price_variance`` is the line's net to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared.contracts.payables import BillLine, BillLineInput, Variance, VarianceKind
from shared.pricing.money import HUNDRED, ZERO, minor_unit, round_to

SHOWN_PLACES = 6
"""Decimals a derived unit price or quantity is shown with (the contracts' unit prices have
at most 6)."""


@dataclass(frozen=True)
class Tolerance:
    """How far a branch's bills may differ from their orders; the default is an exact match."""

    price_percent: Decimal = ZERO
    quantity_percent: Decimal = ZERO
    price_amount: Decimal | None = None

    def allowed_unit_difference(self, order_unit_price: Decimal, quantity: Decimal) -> Decimal:
        """How much a unit price may differ from the order's, either way."""
        allowed = order_unit_price * self.price_percent / HUNDRED
        if self.price_amount is not None:
            allowed = min(allowed, self.price_amount / quantity)
        return allowed

    def allowed_quantity(self, available: Decimal) -> Decimal:
        return available + available * self.quantity_percent / HUNDRED


def decimals(currency: str) -> int:
    """How many decimals the currency's minor unit has: 2 for USD, 0 for JPY."""
    return len(format(minor_unit(currency), "f").partition(".")[2])


def shown(value: Decimal, fewest: int = 0) -> Decimal:
    """A derived unit price or quantity for people: at most 6 decimals (half to even), no
    trailing zeros beyond ``fewest`` decimals (``33.333333``, ``10.20``, ``5``)."""
    exact = round_to(value, Decimal(f"1e-{SHOWN_PLACES}"))
    for places in range(fewest, SHOWN_PLACES):
        candidate = round_to(exact, Decimal(f"1e-{places}"))
        if candidate == exact:
            return candidate
    return exact


def match_line(
    number: int,
    line: BillLineInput,
    *,
    order_unit_price: Decimal,
    available: Decimal,
    tolerance: Tolerance,
    currency: str,
) -> tuple[BillLine, list[Variance]]:
    """The line as matched, and its variances outside tolerance (none: within)."""
    unit, places = minor_unit(currency), decimals(currency)
    available = max(available, ZERO)
    net = round_to(line.quantity * line.unit_price, unit)
    order_net = round_to(line.quantity * order_unit_price, unit)
    price_variance = net - order_net
    excess = max(line.quantity - available, ZERO)
    matched = BillLine(
        line=number,
        sku=line.sku,
        quantity=line.quantity,
        unit_price=line.unit_price,
        net=net,
        tax=line.tax,
        total=net + line.tax,
        order_unit_price=shown(order_unit_price, places),
        order_net=order_net,
        price_variance=price_variance,
        available=available,
        quantity_variance=excess,
    )
    variances = []
    difference = line.unit_price - order_unit_price
    allowed = tolerance.allowed_unit_difference(order_unit_price, line.quantity)
    if abs(difference) > allowed:
        variances.append(
            Variance(
                line=number,
                sku=line.sku,
                kind=VarianceKind.PRICE,
                expected=shown(order_unit_price, places),
                billed=line.unit_price,
                difference=shown(difference, places),
                allowed=shown(allowed, places),
                amount=price_variance,
            )
        )
    most = tolerance.allowed_quantity(available)
    if line.quantity > most:
        variances.append(
            Variance(
                line=number,
                sku=line.sku,
                kind=VarianceKind.QUANTITY,
                expected=available,
                billed=line.quantity,
                difference=line.quantity - available,
                allowed=shown(most - available),
                amount=round_to(excess * line.unit_price, unit),
            )
        )
    return matched, variances
