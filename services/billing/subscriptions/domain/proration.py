"""Proration of a plan change in the middle of a billed period.

The rule: the customer is credited the unused part of the period at the old plan's price and
charged the same part at the new plan's price, by time to the microsecond::

    proration = (new price - old price) x (period end - change) / (period end - period start)

rounded half to even, once, to the currency's minor unit. Positive (an upgrade) is charged,
negative (a downgrade) credited, on the next renewal's invoice as a line of its own, net of
taxes; its tax is the adjustment times that invoice's own tax-to-net ratio (so it is taxed as
the plan's lines are), rounded the same way. A credit is used up to the next period's price;
what is left waits for the period after.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from shared.pricing import minor_unit, round_to

ZERO = Decimal(0)
TICK = timedelta(microseconds=1)


def remaining_fraction(start: datetime, end: datetime, at: datetime) -> Decimal:
    """The part of [start, end) still ahead at ``at``: 1 before it starts, 0 after it ends."""
    at = min(max(at, start), end)
    return Decimal((end - at) // TICK) / Decimal((end - start) // TICK)


def prorate(
    old_price: Decimal,
    new_price: Decimal,
    *,
    start: datetime,
    end: datetime,
    at: datetime,
    currency: str,
) -> Decimal:
    """What moving from ``old_price`` to ``new_price`` at ``at`` costs for the rest of the
    period (negative: a credit)."""
    fraction = remaining_fraction(start, end, at)
    return round_to((new_price - old_price) * fraction, minor_unit(currency))


def applied_credit(pending: Decimal, period_price: Decimal) -> Decimal:
    """How much of a pending adjustment goes on this period: a charge in full, a credit up to
    the period's price."""
    return max(pending, -period_price)


def adjustment_tax(
    adjustment: Decimal, *, net_total: Decimal, tax_total: Decimal, currency: str
) -> Decimal:
    """The adjustment's tax at the invoice's own tax-to-net ratio (none on an untaxed one)."""
    if net_total == ZERO:
        return ZERO
    return round_to(adjustment * tax_total / net_total, minor_unit(currency))
