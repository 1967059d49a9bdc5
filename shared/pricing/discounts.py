"""Discounts: a line's own, and a document's, shared over its lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from shared.contracts.common import Discount, DiscountKind
from shared.pricing.errors import (
    DiscountExceedsDocument,
    DiscountExceedsLine,
    InvalidDiscount,
)
from shared.pricing.money import HUNDRED, ZERO, percent_of, round_to

Keep = Callable[[Decimal], Decimal]
"""What a line value becomes: rounded to the minor unit (per-line rounding) or kept exact."""


def checked(discount: Discount, unit: Decimal, where: str) -> Decimal:
    """The discount's value, refused when it cannot be one."""
    value = discount.value
    if value < ZERO:
        raise InvalidDiscount(f"The discount on {where} is negative ({value}): give 0 or more.")
    if discount.kind is DiscountKind.PERCENT:
        if value > HUNDRED:
            raise InvalidDiscount(
                f"The discount on {where} is {value} %: a percentage goes from 0 to 100."
            )
    elif round_to(value, unit) != value:
        raise InvalidDiscount(
            f"The discount on {where} is {value}, finer than the currency's minor unit {unit}."
        )
    return value


def line_discount(
    discount: Discount | None, amount: Decimal, *, unit: Decimal, keep: Keep, sku: str
) -> Decimal:
    """The amount off one line; a discount larger than the line is refused, never capped:
    a line priced below zero is a mistake someone should see."""
    if discount is None:
        return ZERO
    value = checked(discount, unit, f"line {sku}")
    off = keep(percent_of(amount, value)) if discount.kind is DiscountKind.PERCENT else value
    if off > amount:
        raise DiscountExceedsLine(
            f"The discount of {off} on line {sku} is larger than the line's amount {amount}: "
            "lower it, or remove the line."
        )
    return off


def document_shares(
    discount: Discount | None, amounts: Sequence[Decimal], *, unit: Decimal, keep: Keep
) -> list[Decimal]:
    """Each line's share of the document's discount: a percent applies to every line; an
    amount is split pro rata to the lines' amounts (see :func:`allocate`)."""
    if discount is None:
        return [ZERO for _ in amounts]
    value = checked(discount, unit, "the document")
    if discount.kind is DiscountKind.PERCENT:
        return [keep(percent_of(amount, value)) for amount in amounts]
    whole = sum(amounts, ZERO)
    if value > whole:
        raise DiscountExceedsDocument(
            f"The document discount of {value} is larger than the document's amount {whole} "
            "after line discounts: lower it."
        )
    return allocate(value, amounts, unit)


def allocate(total: Decimal, weights: Sequence[Decimal], unit: Decimal) -> list[Decimal]:
    """``total`` (whole minor units) split pro rata to ``weights``, in whole minor units.

    Each share is first rounded down; the units left over go one each to the shares with the
    largest remainders, and between equal remainders to the earlier line. The shares always
    add up to ``total``.
    """
    if total == ZERO:
        return [ZERO for _ in weights]
    units = int(total / unit)
    whole = sum(weights, ZERO)
    exact = [units * weight / whole for weight in weights]
    counts = [int(share) for share in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: units - sum(counts)]:
        counts[i] += 1
    return [unit * count for count in counts]
