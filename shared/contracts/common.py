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


Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=10, decimal_places=6, allow_inf_nan=False),
    FROM_TEXT,
    AS_TEXT,
]
"""A percentage from 0 to 100 as a decimal string: ``"8.25"`` is 8.25 %."""


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


class Discount(BaseModel):
    """A discount: a percentage of the amount it applies to, or an amount of money off it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: DiscountKind = Field(
        description="`percent`: `value` % of the amount (0-100); `amount`: `value` in the "
        "document's currency, at most its minor unit's decimals (2 for USD, 0 for JPY)"
    )
    value: Annotated[
        Decimal,
        Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False),
        FROM_TEXT,
        AS_TEXT,
    ] = Field(description="the percentage or the amount off, as a decimal string")


class OrderKind(StrEnum):
    PURCHASE = "purchase"
    SALES = "sales"


class OrderLineInput(BaseModel):
    """A line as a caller sends it: what, how many, at what unit price (or from a price list)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: Quantity
    unit_price: UnitPrice | None = Field(
        default=None,
        description="the price of one unit (tax included when the order's pricing says "
        "prices_include_tax); left out: the price of the sku in the order's price list "
        "(unknown_price when there is none)",
    )
    description: str | None = Field(default=None, max_length=500)
    discount: Discount | None = Field(
        default=None,
        description="a discount on this line (quantity x unit price); an amount larger than "
        "the line is refused (discount_exceeds_line)",
    )
    tax_codes: list[Identifier] = Field(
        default_factory=list,
        max_length=5,
        description="the codes of the tax rates on this line (e.g. a state and a city rate), "
        "each computed on the same base, the line's amount after discounts (no tax on tax); "
        "none: the product's default tax codes (inventory's product record; on orders and "
        "quotations), untaxed when it has none (unknown_tax_rate for a code never defined)",
    )

    @property
    def amount(self) -> Decimal | None:
        """Quantity x unit price; ``None`` while the price is to come from a price list."""
        return None if self.unit_price is None else self.quantity * self.unit_price


class OrderLine(OrderLineInput):
    """One line of an order: what, how many, at what unit price."""

    unit_price: UnitPrice
    storefront_unit_price: UnitPrice | None = Field(
        default=None,
        description="a storefront's order: the price the storefront sent, kept as information "
        "(unit_price is the storefront's price list's)",
    )

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price
