"""Value types shared by several contracts: identifiers, money and order lines."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$"
Identifier = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN
    ),
]
"""A business key (order, vendor, user, sku...): 1-64 characters, no spaces."""

CurrencyCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    # Runs first (outermost): " usd " is accepted as "USD".
    BeforeValidator(lambda value: value.strip().upper() if isinstance(value, str) else value),
]
"""An ISO-4217 alphabetic currency code."""

Quantity = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]

MINOR_UNITS = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """Money is rounded to cents, half to even (banker's rounding), once, at the end."""
    return amount.quantize(MINOR_UNITS, rounding=ROUND_HALF_EVEN)


class OrderKind(StrEnum):
    PURCHASE = "purchase"
    SALES = "sales"


class OrderLine(BaseModel):
    """One line of an order: what, how many, at what unit price."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: Quantity
    unit_price: UnitPrice
    description: str | None = Field(default=None, max_length=500)

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price
