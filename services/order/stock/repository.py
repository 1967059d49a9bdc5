"""What the order service knows of inventory: its own copy of items and stock, fed by inventory's
events, and each branch's settings.

``inventory.item_defined`` says how finely an item is counted: every quantity the order service
takes is checked against it (:class:`ItemCatalog`); and whether the product is discontinued and
which tax codes its lines take when they name none.

``inventory.location_defined`` says which locations a branch has (and which is its sales
location); ``inventory.stock_moved`` carries, after every movement, the on-hand and reserved
quantities of one item at one location with a sequence number. The latest per item and location
is kept in ``stock_levels`` (a late or repeated movement changes nothing); movements handled at
about the same time are written together. A sales order reads them when it is created or
changed. Reads are answered from memory for a moment (``FRESH_SECONDS``): the figures are a
first look, and inventory decides what is held when the order is submitted.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.order.stock.domain.availability import Branch, assess
from services.order.stock.domain.quantities import Counted, Counting, check_quantities
from shared.concurrency import SharedReads
from shared.contracts import (
    ItemDefined,
    LocationDefined,
    OrderLineInput,
    ProductStatus,
    StockAvailability,
    StockMoved,
    WhenStockShort,
    utcnow,
)
from shared.contracts.parties import UnknownParty
from shared.storage.aggregates import AggregateStore
from shared.storage.batch import LatestBatch
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

LOCATIONS = "stock_locations"
LEVELS = "stock_levels"
BRANCHES = "branches"
ITEMS = "items"

FRESH_SECONDS = 1.0
"""How long a replica answers a stock figure from memory (or that a branch has no location)."""
LOCATION_FRESH_SECONDS = 30.0
"""How long a replica trusts the sales location it found for a branch (locations are defined
once; a change of the sales flag reaches the replica that learns it at once, others within
this)."""
BRANCH_FRESH_SECONDS = 5.0
"""How long a replica trusts a branch's setting (a change applies everywhere within this)."""
ITEM_FRESH_SECONDS = 5.0
"""How long a replica answers an item's definition from memory (a product record's change,
such as a discontinued status, applies everywhere within this)."""
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
        self._location_reads = SharedReads[str, str | None]()
        self._level_reads = SharedReads[tuple[str, ...], Mapping[str, Decimal]]()

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
        self._location_reads.forget(event.branch_id)

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
        return await self._location_reads.read(branch_id, lambda: self._read_location(branch_id))

    async def _read_location(self, branch_id: str) -> str | None:
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
            # Orders in flight for the same items share the read.
            keys = tuple(sorted(missing))
            levels = await self._level_reads.read(keys, lambda: self._read_levels(keys))
            found |= {missing[key]: level for key, level in levels.items()}
        return found

    async def _read_levels(self, keys: tuple[str, ...]) -> Mapping[str, Decimal]:
        now = time.monotonic()
        found: dict[str, Decimal] = {}
        async for doc in self.levels.find(
            {"_id": {"$in": list(keys)}}, {"available": 1, "sequence": 1}
        ):
            known = self._available.get(doc["_id"])
            if known is not None and known[1] > doc["sequence"]:  # a later movement was heard
                found[doc["_id"]] = known[2]
            else:
                found[doc["_id"]] = doc["available"]
                self._available[doc["_id"]] = (now, doc["sequence"], doc["available"])
        return found

    async def assess(self, branch_id: str, lines: Sequence[OrderLineInput]) -> StockAvailability:
        location_id = await self.sales_location(branch_id)
        skus = {line.sku for line in lines}
        available = await self.available(location_id, skus) if location_id else {}
        return assess(lines, location_id=location_id, available=available, at=utcnow())


class Branches:
    """Each branch's settings for orders (``order.configure_branch``)."""

    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.store = AggregateStore(db[BRANCHES], Branch, relay, recent=RecentDocuments())
        self._branches: dict[str, tuple[float, Branch]] = {}
        self._reads = SharedReads[str, Branch]()

    async def _branch(self, branch_id: str) -> Branch:
        seen_at, branch = self._branches.get(branch_id, (0.0, None))
        if branch is not None and time.monotonic() - seen_at <= BRANCH_FRESH_SECONDS:
            return branch
        # Every order in flight at the branch when its copy expires shares one read.
        return await self._reads.read(branch_id, lambda: self._read(branch_id))

    async def _read(self, branch_id: str) -> Branch:
        branch = await self.store.read(branch_id) or Branch(id=branch_id)
        self._branches[branch_id] = (time.monotonic(), branch)
        return branch

    async def when_stock_short(self, branch_id: str) -> WhenStockShort:
        return (await self._branch(branch_id)).when_stock_short

    async def unknown_party(self, branch_id: str) -> UnknownParty:
        return (await self._branch(branch_id)).unknown_party

    def forget(self, branch_id: str) -> None:
        self._branches.pop(branch_id, None)
        self._reads.forget(branch_id)


class ItemCatalog:
    """Which items inventory defined: how finely each is counted, whether it is discontinued,
    and its default tax codes (the highest product version wins)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.items = db[ITEMS]
        self._known: dict[str, tuple[float, Counted | None]] = {}
        self._discontinued: tuple[float, frozenset[str]] = (0.0, frozenset())
        self._reads = SharedReads[tuple[str, ...], Mapping[str, Counted]]()
        self._discontinued_reads = SharedReads[None, frozenset[str]]()
        self._learnt = 0
        """Item definitions this replica stored: a read begun before one is not remembered."""

    async def item_defined(self, event: ItemDefined) -> None:
        fields = {
            "decimal_places": event.decimal_places,
            "unit_of_measure": event.unit_of_measure,
            "name": event.name,
            "status": event.status.value,
            "tax_codes": list(event.tax_codes),
            "product_version": event.version,
        }
        not_newer = {"$not": {"$gt": event.version}}
        # A newer version stored: the filter misses, the upsert meets the id, nothing changes.
        with contextlib.suppress(DuplicateKeyError):
            await self.items.update_one(
                {"_id": event.sku, "product_version": not_newer}, {"$set": fields}, upsert=True
            )
        self._learnt += 1
        self._known.pop(event.sku, None)
        self._discontinued = (0.0, frozenset())
        self._reads.forget_all()
        self._discontinued_reads.forget_all()

    async def check(self, quantities: Iterable[Counting]) -> Mapping[str, Counted]:
        """Refuse (``invalid_quantity``, naming each line) what an item cannot be counted in;
        answer what is known of the items (read anyway: no extra look-up)."""
        wanted = list(quantities)
        counted = await self._counted({q.sku for q in wanted})
        check_quantities(wanted, counted)
        return counted

    async def discontinued(self, skus: Iterable[str]) -> list[str]:
        """Which of ``skus`` are discontinued, from a list of all discontinued items read at
        most once per ``ITEM_FRESH_SECONDS`` (not once per order), or from the items
        themselves when each was read within that time (an order submitted soon after it was
        created or changed)."""
        wanted = set(skus)
        now = time.monotonic()
        items = {sku: self._known.get(sku, (0.0, None)) for sku in wanted}
        if all(now - seen_at <= ITEM_FRESH_SECONDS for seen_at, _ in items.values()):
            return sorted(sku for sku, (_, c) in items.items() if c is not None and c.discontinued)
        seen_at, known = self._discontinued
        if now - seen_at > ITEM_FRESH_SECONDS:
            known = await self._discontinued_reads.read(None, self._read_discontinued)
        return sorted(wanted & known)

    async def _read_discontinued(self) -> frozenset[str]:
        learnt, now = self._learnt, time.monotonic()
        cursor = self.items.find({"status": ProductStatus.DISCONTINUED.value}, {"_id": 1})
        known = frozenset([doc["_id"] async for doc in cursor])
        if learnt == self._learnt:  # else an item changed meanwhile: not remembered
            self._discontinued = (now, known)
        return known

    async def _counted(self, skus: set[str]) -> dict[str, Counted]:
        now = time.monotonic()
        found: dict[str, Counted] = {}
        missing = []
        for sku in sorted(skus):
            seen_at, counted = self._known.get(sku, (0.0, None))
            if now - seen_at > ITEM_FRESH_SECONDS:
                missing.append(sku)
            elif counted is not None:
                found[sku] = counted
        if missing:
            # Orders in flight for the same items share the read.
            found |= await self._reads.read(tuple(missing), lambda: self._read_counted(missing))
        return found

    async def _read_counted(self, skus: list[str]) -> Mapping[str, Counted]:
        learnt, now = self._learnt, time.monotonic()
        found: dict[str, Counted] = {}
        async for doc in self.items.find({"_id": {"$in": skus}}):
            found[doc["_id"]] = Counted(
                doc["decimal_places"],
                doc["unit_of_measure"],
                discontinued=doc.get("status") == ProductStatus.DISCONTINUED.value,
                tax_codes=tuple(doc.get("tax_codes") or ()),
            )
        if learnt == self._learnt:  # else an item changed meanwhile: not remembered
            for sku in skus:
                self._known[sku] = (now, found.get(sku))
        return found


def level_id(sku: str, location_id: str) -> str:
    return f"{sku}|{location_id}"


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[ITEMS].create_index("status")
    await db[LOCATIONS].create_index(
        [("branch_id", ASCENDING), ("sales_location", DESCENDING), ("defined_at", ASCENDING)]
    )
