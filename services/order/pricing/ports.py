"""What the other parts ask of the pricing part, as types: ``PricingConfiguration``
(``handlers``) satisfies them, and so does a unit test's in-memory stand-in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from services.order.pricing.domain.configuration import PriceList
from shared.contracts import TaxRate


class Taxed(Protocol):
    """A line that names tax rate codes (an order's, a cart's)."""

    @property
    def tax_codes(self) -> Sequence[str]: ...


class Prices(Protocol):
    async def rates_for(self, lines: Iterable[Taxed], at: datetime) -> dict[str, TaxRate]:
        """The tax rates the lines name, as in force at ``at``."""
        ...

    async def price_list(self, price_list_id: str | None) -> PriceList | None:
        """The price list terms name (none named: none)."""
        ...
