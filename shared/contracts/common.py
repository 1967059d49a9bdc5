"""Value types shared by several contracts: identifiers, money and order lines."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
)

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

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_DECIMAL_TEXT = re.compile(DECIMAL_PATTERN)


def _decimal_text(value: object, info: ValidationInfo) -> object:
    """Decimals travel as strings of digits: a JSON number may have passed through a binary
    float on its way, and an exponent, infinity or NaN is no amount anyone typed."""
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.match(text):
            raise ValueError(
                f'{value!r} is not a plain decimal: write digits with an optional "-" and '
                'decimal point, e.g. "19.99" (no exponent, infinity or NaN)'
            )
        return text
    if isinstance(value, float | bool) or (info.mode == "json" and not isinstance(value, Decimal)):
        raise ValueError('a JSON number is not accepted: write a decimal string, e.g. "19.99"')
    return value  # a Decimal (or an int) built in Python


FROM_TEXT = BeforeValidator(_decimal_text)
AS_TEXT = PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json")
"""``Annotated[Decimal, Field(...), FROM_TEXT, AS_TEXT]``: after the constraints, so that the
AsyncAPI schema keeps them."""

DecimalText = Annotated[Decimal, FROM_TEXT, AS_TEXT]
"""A ``Decimal`` written in JSON as a string of digits (``"19.99"``, ``"-3"``), never as a
JSON number, an exponent (``"1e3"``), infinity or NaN; read and written that way."""

Quantity = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]
UnitPrice = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]

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
