"""Where inventory data lives: collections of the inventory service's own database.

``items``, ``locations``, ``stock`` (one document per item and location), ``orders`` and
``work_orders`` (orders and work orders as inventory knows them) carry their outbox; ``ledger``
is the projection of ``StockMoved`` entries, keyed by movement id.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.inventory.domain import Item, Location, Stock, TrackedOrder, stock_id
from services.inventory.domain.errors import UnknownItem, UnknownLocation
from services.inventory.domain.work_orders import WorkOrderRecord
from shared.concurrency import SharedReads
from shared.contracts import Message, StockLine
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

ITEMS = "items"
LOCATIONS = "locations"
STOCK = "stock"
ORDERS = "orders"
LEDGER = "ledger"
WORK_ORDERS = "work_orders"
OUTBOX_COLLECTIONS = (ITEMS, LOCATIONS, STOCK, ORDERS, WORK_ORDERS)

_BOOKKEEPING = {"id", "version", "applied_messages"}
SALES_LOCATION_FRESH_SECONDS = 5.0
ITEM_FRESH_SECONDS = 30.0
"""How long a replica checks quantities against an item it read (its decimal places) before
reading it again: a change made by another replica applies here within this."""


class MissingStock(Exception):
    """A stock record that was just created or read is gone: a bug or a wiped database."""


class Catalog:
    """Items and locations, looked up by the rules that need them."""

    def __init__(self, items: AggregateStore[Item], locations: AggregateStore[Location]) -> None:
        self.items = items
        self.locations = locations
        self._sales_locations: dict[str, tuple[float, str]] = {}
        """branch -> (when looked up, its sales location), trusted for a couple of seconds."""
        self._location_reads = SharedReads[str, str | None]()
        """Look-ups under way: the orders in flight when a branch's expires share one."""

    async def item(self, sku: str) -> Item:
        if (item := await self.items.get(sku)) is None:
            raise UnknownItem(sku)
        return item

    async def location(self, location_id: str) -> Location:
        if (location := await self.locations.get(location_id)) is None:
            raise UnknownLocation(location_id)
        return location

    async def check_lines(self, lines: Sequence[StockLine]) -> None:
        """Every item exists and every quantity is one it can be counted in."""
        for n, line in enumerate(lines, start=1):
            (await self.item(line.sku)).check_quantity(line.quantity, where=f"line {n}")

    async def sales_location(self, branch_id: str) -> str | None:
        """Where a branch's sales orders reserve and issue: its flagged location, else its first.

        Asked for every sales order, answered from memory for a moment after a look-up.
        """
        seen_at, location_id = self._sales_locations.get(branch_id, (0.0, ""))
        if time.monotonic() - seen_at <= SALES_LOCATION_FRESH_SECONDS:
            return location_id
        return await self._location_reads.read(branch_id, lambda: self._look_up(branch_id))

    async def _look_up(self, branch_id: str) -> str | None:
        found = await self.locations.find(
            {"branch_id": branch_id},
            limit=1,
            sort=[("sales_location", DESCENDING), ("defined_at", ASCENDING), ("_id", ASCENDING)],
        )
        if not found:
            return None  # no location yet: ask again next time
        self._sales_locations[branch_id] = (time.monotonic(), found[0].id)
        return found[0].id

    def location_defined(self, location: Location) -> None:
        """A location this process defined may change its branch's sales location."""
        self._sales_locations.pop(location.branch_id, None)
        self._location_reads.forget(location.branch_id)


class StockRecords:
    """Stock per item and location; a record is created the first time stock moves there."""

    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection = db[STOCK]
        # Opening balances and adjustments are answered by the stock's own event; moves made
        # for a receipt or issue are not (the order's GoodsReceived/GoodsIssued answers those).
        # One store, so that a busy item's record, changed by many messages at once, is
        # written once for all that came while it was being written (``AggregateStore.change``).
        self._store = AggregateStore(self.collection, Stock, relay, recent=RecentDocuments())

    async def get(self, sku: str, location_id: str) -> Stock | None:
        return await self.by_id(stock_id(sku, location_id))

    async def by_id(self, record_id: str) -> Stock | None:
        return await self._store.get(record_id)

    async def find(self, query: Document, *, limit: int = 500) -> list[Stock]:
        return await self._store.find(query, limit=limit, sort=[("_id", ASCENDING)])

    async def change(
        self,
        location: Location,
        sku: str,
        cause: Message,
        mutate: Callable[[Stock], object],
        *,
        key: str | None = None,
        answer: bool = False,
    ) -> Stock:
        """Change the stock of ``sku`` at ``location`` once per ``key``; return it as it is now."""
        record_id = stock_id(sku, location.id)
        if await self.by_id(record_id) is None:
            empty = Stock.empty(sku=sku, location_id=location.id, branch_id=location.branch_id)
            await self._create(empty)
        return await self.change_existing(record_id, cause, mutate, key=key, answer=answer)

    async def change_existing(
        self,
        record_id: str,
        cause: Message,
        mutate: Callable[[Stock], object],
        *,
        key: str | None = None,
        answer: bool = False,
    ) -> Stock:
        changed = await self._store.change(
            record_id,
            cause,
            mutate,
            missing=lambda: MissingStock(record_id),
            key=key,
            answers=answer,
        )
        if changed is None:  # this step was done before: report the stock as it is now
            changed = await self._store.get(record_id)
        if changed is None:
            raise MissingStock(record_id)  # pragma: no cover - stock records are never deleted
        return changed

    async def _create(self, empty: Stock) -> None:
        state = empty.model_dump(mode="python", exclude=_BOOKKEEPING)
        await self.collection.update_one(
            {"_id": empty.id},
            {"$setOnInsert": {**state, "version": 1, "applied_messages": []}},
            upsert=True,
        )


@dataclass(frozen=True)
class Stores:
    catalog: Catalog
    stock: StockRecords
    orders: AggregateStore[TrackedOrder]
    db: AsyncDatabase[Document]
    work_orders: AggregateStore[WorkOrderRecord]


def stores(db: AsyncDatabase[Document], relay: OutboxRelay) -> Stores:
    return Stores(
        catalog=Catalog(
            # Locations never change once defined: remembered copies stay true. An item's
            # product record may change (a unit only while it has no stock or open orders):
            # another replica's copy is trusted for ITEM_FRESH_SECONDS.
            AggregateStore(
                db[ITEMS], Item, relay, recent=RecentDocuments(fresh_seconds=ITEM_FRESH_SECONDS)
            ),
            AggregateStore(
                db[LOCATIONS], Location, relay, recent=RecentDocuments(fresh_seconds=300)
            ),
        ),
        stock=StockRecords(db, relay),
        orders=AggregateStore(db[ORDERS], TrackedOrder, relay, recent=RecentDocuments()),
        db=db,
        work_orders=AggregateStore(
            db[WORK_ORDERS], WorkOrderRecord, relay, recent=RecentDocuments()
        ),
    )


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[LOCATIONS].create_index(
        [("branch_id", ASCENDING), ("sales_location", DESCENDING), ("defined_at", ASCENDING)]
    )
    await db[STOCK].create_index([("sku", ASCENDING), ("location_id", ASCENDING)])
    await db[STOCK].create_index([("branch_id", ASCENDING), ("sku", ASCENDING)])
    await db[STOCK].create_index([("location_id", ASCENDING), ("sku", ASCENDING)])
    await db[ORDERS].create_index(
        [("reservation.state", ASCENDING), ("reservation.expires_at", ASCENDING)]
    )
    await db[ORDERS].create_index("dirty_since")
    await db[ORDERS].create_index("claims.claimed_at")
    await db[LEDGER].create_index(
        [("sku", ASCENDING), ("location_id", ASCENDING), ("sequence", ASCENDING)]
    )
