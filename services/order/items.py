"""Which items inventory defined and how finely each is counted, learnt from its events
(``inventory.item_defined``): every quantity the order service takes is checked against it."""

from __future__ import annotations

import time
from collections.abc import Iterable

from pymongo.asynchronous.database import AsyncDatabase

from services.order.domain.quantities import Counted, Counting, check_quantities
from shared.contracts import ItemDefined
from shared.storage.mongo import Document

ITEMS = "items"
FRESH_SECONDS = 5.0
"""How long a replica answers an item's definition from memory (items are defined once)."""


class ItemCatalog:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.items = db[ITEMS]
        self._known: dict[str, tuple[float, Counted | None]] = {}

    async def item_defined(self, event: ItemDefined) -> None:
        await self.items.update_one(
            {"_id": event.sku},
            {
                "$set": {
                    "decimal_places": event.decimal_places,
                    "unit_of_measure": event.unit_of_measure,
                    "name": event.name,
                }
            },
            upsert=True,
        )
        self._known.pop(event.sku, None)

    async def check(self, quantities: Iterable[Counting]) -> None:
        """Refuse (``invalid_quantity``, naming each line) what an item cannot be counted in."""
        wanted = list(quantities)
        check_quantities(wanted, await self._counted({q.sku for q in wanted}))

    async def _counted(self, skus: set[str]) -> dict[str, Counted]:
        now = time.monotonic()
        found: dict[str, Counted] = {}
        missing = set()
        for sku in skus:
            seen_at, counted = self._known.get(sku, (0.0, None))
            if now - seen_at > FRESH_SECONDS:
                missing.add(sku)
            elif counted is not None:
                found[sku] = counted
        if missing:
            async for doc in self.items.find({"_id": {"$in": sorted(missing)}}):
                found[doc["_id"]] = Counted(doc["decimal_places"], doc["unit_of_measure"])
            for sku in missing:
                self._known[sku] = (now, found.get(sku))
        return found
