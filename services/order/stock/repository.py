"""What the order service knows of inventory's stock: its own copy, fed by inventory's events.

``inventory.location_defined`` says which locations a branch has (and which is its sales
location); ``inventory.stock_moved`` carries, after every movement, the on-hand and reserved
quantities of one item at one location with a sequence number. The latest per item and location
is kept in ``stock_levels`` (a late or repeated movement changes nothing); movements handled at
about the same time are written together. A sales order reads them when it is created or
changed. Reads are answered from memory for a moment (``FRESH_SECONDS``): the figures are a
first look, and inventory decides what is held when the order is submitted.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from decimal import Decimal

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.order.domain.availability import Branch, assess
from shared.contracts import (
    LocationDefined,
    OrderLineInput,
    StockAvailability,
    StockMoved,
    WhenStockShort,
    utcnow,
)
from shared.storage.aggregates import AggregateStore
from shared.storage.batch import LatestBatch
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

LOCATIONS = "stock_locations"
LEVELS = "stock_levels"
BRANCHES = "branches"

FRESH_SECONDS = 1.0
"""How long a replica answers a stock figure from memory (or that a branch has no location)."""
LOCATION_FRESH_SECONDS = 30.0
"""How long a replica trusts the sales location it found for a branch (locations are defined
once; a change of the sales flag reaches the replica that learns it at once, others within
this)."""
BRANCH_FRESH_SECONDS = 5.0
"""How long a replica trusts a branch's setting (a change applies everywhere within this)."""
PROJECTION_LINGER = 0.5
"""How long a stock movement waits for others to be written with it (at most two writes a
second; the delivery waits meanwhile, holding one of the process's ``OMS_PREFETCH`` turns)."""


class StockLevels:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.locations = db[LOCATIONS]
        self.levels = db[LEVELS]
        self.batch = LatestBatch(self.levels, field="sequence", linger=PROJECTION_LINGER)
        self._sales_locations: dict[str, tuple[float, str | None]] = {}
        self._available: dict[str, tuple[float, int, Decimal]] = {}

    async def location_defined(self, event: LocationDefined) -> None:
        await self.locations.update_one(
            {"_id": event.location_id},
            {
                "$set": {"branch_id": event.branch_id, "sales_location": event.sales_location},
                "$setOnInsert": {"defined_at": event.occurred_at},
            },
            upsert=True,
        )
        self._sales_locations.pop(event.branch_id, None)

    async def stock_moved(self, event: StockMoved) -> None:
        key = level_id(event.sku, event.location_id)
        available = event.on_hand_after - event.reserved_after
        await self.batch.put(
            {
                "_id": key,
                "sku": event.sku,
                "location_id": event.location_id,
                "branch_id": event.branch_id,
                "on_hand": event.on_hand_after,
                "reserved": event.reserved_after,
                "available": available,
                "sequence": event.sequence,
            }
        )
        known = self._available.get(key)
        if known is None or known[1] < event.sequence:
            self._available[key] = (time.monotonic(), event.sequence, available)

    async def sales_location(self, branch_id: str) -> str | None:
        """The branch's flagged sales location, else its first (inventory's rule)."""
        seen_at, location_id = self._sales_locations.get(branch_id, (0.0, None))
        fresh = LOCATION_FRESH_SECONDS if location_id else FRESH_SECONDS
        if time.monotonic() - seen_at <= fresh:
            return location_id
        found = await self.locations.find_one(
            {"branch_id": branch_id},
            sort=[("sales_location", DESCENDING), ("defined_at", ASCENDING), ("_id", ASCENDING)],
        )
        location_id = found["_id"] if found else None
        self._sales_locations[branch_id] = (time.monotonic(), location_id)
        return location_id

    async def available(self, location_id: str, skus: Iterable[str]) -> dict[str, Decimal]:
        """On hand minus reserved per item at the location (items never moved there: absent)."""
        now = time.monotonic()
        found: dict[str, Decimal] = {}
        missing: dict[str, str] = {}
        for sku in skus:
            key = level_id(sku, location_id)
            known = self._available.get(key)
            if known is not None and now - known[0] <= FRESH_SECONDS:
                found[sku] = known[2]
            else:
                missing[key] = sku
        if missing:
            async for doc in self.levels.find(
                {"_id": {"$in": list(missing)}}, {"available": 1, "sequence": 1}
            ):
                found[missing[doc["_id"]]] = doc["available"]
                self._available[doc["_id"]] = (now, doc["sequence"], doc["available"])
        return found

    async def assess(self, branch_id: str, lines: Sequence[OrderLineInput]) -> StockAvailability:
        location_id = await self.sales_location(branch_id)
        skus = {line.sku for line in lines}
        available = await self.available(location_id, skus) if location_id else {}
        return assess(lines, location_id=location_id, available=available, at=utcnow())


class Branches:
    """Each branch's settings for sales orders (``order.configure_branch``)."""

    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.store = AggregateStore(db[BRANCHES], Branch, relay, recent=RecentDocuments())
        self._policies: dict[str, tuple[float, WhenStockShort]] = {}

    async def when_stock_short(self, branch_id: str) -> WhenStockShort:
        seen_at, policy = self._policies.get(branch_id, (0.0, WhenStockShort.ALLOW))
        if time.monotonic() - seen_at <= BRANCH_FRESH_SECONDS:
            return policy
        branch = await self.store.read(branch_id)
        policy = branch.when_stock_short if branch else WhenStockShort.ALLOW
        self._policies[branch_id] = (time.monotonic(), policy)
        return policy

    def forget(self, branch_id: str) -> None:
        self._policies.pop(branch_id, None)


def level_id(sku: str, location_id: str) -> str:
    return f"{sku}|{location_id}"


async def create_stock_indexes(db: AsyncDatabase[Document]) -> None:
    await db[LOCATIONS].create_index(
        [("branch_id", ASCENDING), ("sales_location", DESCENDING), ("defined_at", ASCENDING)]
    )
