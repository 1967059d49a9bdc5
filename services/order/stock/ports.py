"""What the order service's handlers ask of the lookups beside their stores, as types: the
classes in ``stock``, ``configuration`` and ``items`` satisfy them, and so do a unit test's
in-memory stand-ins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from services.order.configuration import Taxed
from services.order.domain.configuration import PriceList
from services.order.domain.quantities import Counting
from shared.contracts import OrderLineInput, StockAvailability, TaxRate, WhenStockShort


class StockAssessor(Protocol):
    async def assess(self, branch_id: str, lines: Sequence[OrderLineInput]) -> StockAvailability:
        """What the branch's sales location has of each line, as last heard from inventory."""
        ...


class BranchRules(Protocol):
    async def when_stock_short(self, branch_id: str) -> WhenStockShort:
        """Whether the branch allows, or refuses, sales orders it is short for."""
        ...


class Prices(Protocol):
    async def rates_for(self, lines: Iterable[Taxed], at: datetime) -> dict[str, TaxRate]:
        """The tax rates the lines name, as in force at ``at``."""
        ...

    async def price_list(self, price_list_id: str | None) -> PriceList | None:
        """The price list terms name (none named: none)."""
        ...


class Items(Protocol):
    async def check(self, quantities: Iterable[Counting]) -> None:
        """Refuse what an item cannot be counted in."""
        ...
