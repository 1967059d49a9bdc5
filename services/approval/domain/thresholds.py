"""Which levels of a cycle apply to an order: amount thresholds.

A level with no threshold always applies. A level's ``above_in`` names a threshold per
currency; an order in one of those currencies is compared with it as it is. Otherwise a level's
``above`` is in the approval service's base currency: an order in the base currency is compared
as it is, an order in another currency is converted at the configured rate (units of the base
currency per unit of the order's) and rounded to the base currency's minor unit, half to even.
The level applies when the amount is above the threshold; a total equal to it does not apply
it. An order in a currency with neither its own threshold nor a rate is never let through
silently: the level applies, and its routing says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shared.contracts import LevelRouting, LevelRule
from shared.pricing.money import minor_unit, round_to


@dataclass(frozen=True)
class Rates:
    """The base currency ``above`` thresholds are in, and the rates other currencies convert at."""

    base: str = "USD"
    per_unit: Mapping[str, Decimal] = field(default_factory=dict)
    """Units of ``base`` one unit of each currency is worth."""


def route_levels(
    levels: Sequence[LevelRule], *, total: Decimal, currency: str, rates: Rates
) -> list[LevelRouting]:
    """Each level of a cycle: whether it applies to an order of ``total`` ``currency``, and why."""
    return [
        _route(number, rule, total=total, currency=currency, rates=rates)
        for number, rule in enumerate(levels, start=1)
    ]


def _route(
    number: int, rule: LevelRule, *, total: Decimal, currency: str, rates: Rates
) -> LevelRouting:
    if currency in rule.above_in:
        return _compare(number, total, rule.above_in[currency], currency)
    if rule.above is None:
        if not rule.above_in:
            return LevelRouting(cycle_level=number, applies=True, why="no threshold: always")
        why = f"no threshold for {currency} (only for {', '.join(sorted(rule.above_in))}): applies"
        return LevelRouting(cycle_level=number, applies=True, why=why)
    if currency == rates.base:
        return _compare(number, total, rule.above, currency)
    rate = rates.per_unit.get(currency)
    if rate is None:
        why = (
            f"no threshold for {currency} and no rate from {currency} to {rates.base}: "
            "applies, whatever the total"
        )
        return LevelRouting(
            cycle_level=number,
            applies=True,
            why=why,
            threshold=rule.above,
            threshold_currency=rates.base,
        )
    converted = round_to(total * rate, minor_unit(rates.base))
    routed = _compare(number, converted, rule.above, rates.base)
    return routed.model_copy(
        update={
            "rate": rate,
            "why": f"{total} {currency} at {rate} is {routed.why}",
        }
    )


def _compare(number: int, amount: Decimal, threshold: Decimal, currency: str) -> LevelRouting:
    applies = amount > threshold
    relation = "above" if applies else "not above"
    return LevelRouting(
        cycle_level=number,
        applies=applies,
        why=f"{amount} {currency}, {relation} the threshold {threshold} {currency}",
        threshold=threshold,
        threshold_currency=currency,
        amount=amount,
    )
