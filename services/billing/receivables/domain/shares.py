"""Exact shares of money: rounded values that add up to a rounded total, and the share of a
quantity taken from a running total, so that the parts of a whole always add up to it.

Every amount is a whole number of the currency's minor unit, rounded half to even
(``shared.pricing.money``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

from shared.pricing.money import ZERO, round_to


def allocate(exact: Sequence[Decimal], total: Decimal, unit: Decimal) -> list[Decimal]:
    """``exact`` values rounded to ``unit`` so that they add up to ``total`` (largest
    remainders): each is rounded down, then the units still missing go one each to the values
    with the largest remainders, the earlier first on a tie; units too many (a total below the
    values' sum) are taken back from the smallest remainders, the later first."""
    if not exact:
        return []
    floors = [(value / unit).to_integral_value(rounding=ROUND_FLOOR) * unit for value in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    result = list(floors)
    missing = int((total - sum(floors, ZERO)) / unit)
    for k in range(abs(missing)):
        if missing > 0:
            result[order[k % len(order)]] += unit
        else:
            result[order[-1 - k % len(order)]] -= unit
    return result


def share(whole: Decimal, before: Decimal, after: Decimal, of: Decimal, unit: Decimal) -> Decimal:
    """The part of ``whole`` (a rounded amount for the quantity ``of``) that the quantities from
    ``before`` to ``after`` take: the running total's rounding at ``after`` less its rounding at
    ``before``. Successive shares add up to ``whole`` exactly once ``after`` reaches ``of``:
    the last takes the remainder."""
    if of == ZERO:
        return ZERO
    return _running(whole, after, of, unit) - _running(whole, before, of, unit)


def _running(whole: Decimal, upto: Decimal, of: Decimal, unit: Decimal) -> Decimal:
    if upto >= of:
        return whole
    return round_to(whole * upto / of, unit)


def fits(amount: Decimal, unit: Decimal) -> bool:
    """Whether ``amount`` is a whole number of ``unit`` (no finer than the currency)."""
    return amount % unit == ZERO
