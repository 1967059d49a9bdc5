"""Money in a currency: how many decimals its minor unit has, and rounding to it."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")

# ISO 4217 currencies whose minor unit is not the cent.
NO_DECIMALS = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
     "VUV", "XAF", "XOF", "XPF"}
)  # fmt: skip
THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 1 yen, 0.001 dinar, 0.01 of every other."""
    if currency in NO_DECIMALS:
        return Decimal("1")
    if currency in THREE_DECIMALS:
        return Decimal("0.001")
    return Decimal("0.01")


def round_to(amount: Decimal, unit: Decimal) -> Decimal:
    """``amount`` rounded to a whole number of ``unit``, half to even (2.345 -> 2.34)."""
    return amount.quantize(unit, rounding=ROUND_HALF_EVEN)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return amount * percent / HUNDRED
