"""What the other parts ask of the stock part, as types: ``StockLevels``, ``Branches`` and
``ItemCatalog`` (``repository``) satisfy them, and so do a unit test's in-memory stand-ins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from services.order.stock.domain.quantities import Counted, Counting
from shared.contracts import OrderLineInput, StockAvailability, WhenStockShort
from shared.contracts.parties import UnknownParty


class StockAssessor(Protocol):
    async def assess(self, branch_id: str, lines: Sequence[OrderLineInput]) -> StockAvailability:
        """What the branch's sales location has of each line, as last heard from inventory."""
        ...


class BranchRules(Protocol):
    async def when_stock_short(self, branch_id: str) -> WhenStockShort:
        """Whether the branch allows, or refuses, sales orders it is short for."""
        ...

    async def unknown_party(self, branch_id: str) -> UnknownParty:
        """Whether the branch refuses, or flags, orders that break a record's rule."""
        ...


class Items(Protocol):
    async def check(self, quantities: Iterable[Counting]) -> Mapping[str, Counted]:
        """Refuse what an item cannot be counted in; answer what is known of the items."""
        ...

    async def discontinued(self, skus: Iterable[str]) -> list[str]:
        """Which of the skus are discontinued products."""
        ...
