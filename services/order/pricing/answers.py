"""What the pricing queries answer: tax rates, price lists, storefronts.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them) is left out. Fields are only ever added.
"""

from __future__ import annotations

from shared.contracts import (
    ItemPrice,
    TaxRate,
    UnknownItemPolicy,
)
from shared.http import Answer

# --- GET /tax-rates, /price-lists, /storefronts ------------------------------------------


class TaxRateCodeAnswer(Answer):
    """One tax rate code with every version it had."""

    code: str
    versions: list[TaxRate] = []
    version: int


class PriceListListed(Answer):
    """A price list: its currency and branch (without its prices)."""

    price_list_id: str
    name: str
    currency: str
    branch_id: str | None = None
    revision: int = 0
    defined_by: str | None = None
    version: int


class PriceListAnswer(PriceListListed):
    """One price list with its prices."""

    prices: list[ItemPrice]


class StorefrontAnswer(Answer):
    """How a storefront's carts and orders are priced."""

    storefront_id: str
    price_list_id: str
    unknown_item: UnknownItemPolicy = UnknownItemPolicy.REFUSE
    version: int
