"""Where customer and vendor records live: the ``customers`` and ``vendors`` collections of the
order service's database (one document per record, with its history).

Orders read them through :class:`PartyDirectory`, from memory for ``FRESH_SECONDS`` (known and
unknown ids alike): a replica asks the database at most once per party in that time, so a
customer's repeat orders cost no read, and a change reaches the replica that made it at once
and the others within that time. While OMS keeps no record of a kind at all (a business that
has not moved its customers or vendors over), a replica learns that with one look per
``FRESH_SECONDS`` and reads nothing per order.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.order.parties.domain.records import Customer, Vendor
from shared.concurrency import SharedReads
from shared.contracts.parties import CustomerRecord, VendorRecord
from shared.domain import Aggregate
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments
from shared.storage.store import Store

CUSTOMERS = "customers"
VENDORS = "vendors"

FRESH_SECONDS = 10.0
"""How long a replica answers an order's look at a customer or vendor from memory."""
REMEMBERED = 10_000
"""Parties a replica remembers at most (the least recently looked at are dropped first)."""

R = TypeVar("R")
A = TypeVar("A", bound=Aggregate)


class _Seen(Generic[R]):
    """Records (or that there is none) as seen lately, at most ``REMEMBERED`` of them."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, tuple[float, R | None]] = OrderedDict()

    def fresh(self, party_id: str) -> tuple[bool, R | None]:
        seen_at, record = self._seen.get(party_id, (0.0, None))
        return time.monotonic() - seen_at <= FRESH_SECONDS, record

    def put(self, party_id: str, record: R | None) -> None:
        self._seen[party_id] = (time.monotonic(), record)
        self._seen.move_to_end(party_id)
        while len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)

    def drop(self, party_id: str) -> None:
        self._seen.pop(party_id, None)


def customer_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Customer]:
    return AggregateStore(db[CUSTOMERS], Customer, relay, recent=RecentDocuments())


def vendor_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Vendor]:
    return AggregateStore(db[VENDORS], Vendor, relay, recent=RecentDocuments())


class _Kind(Generic[A, R]):
    """One kind of party record: where it is stored, what was seen of it lately, and the reads
    under way (the orders in flight when a copy expires share one)."""

    def __init__(self, name: str, store: Store[A], current: Callable[[A], R | None]) -> None:
        self.name = name
        self.store = store
        self.current = current
        self.seen = _Seen[R]()
        self.reads = SharedReads[str, R | None]()


class PartyDirectory:
    """The records orders are checked against, as recently seen."""

    def __init__(self, customers: Store[Customer], vendors: Store[Vendor]) -> None:
        self.customers = customers
        self.vendors = vendors
        self._customers = _Kind[Customer, CustomerRecord](
            CUSTOMERS, customers, lambda found: found.current
        )
        self._vendors = _Kind[Vendor, VendorRecord](VENDORS, vendors, lambda found: found.current)
        self._none_kept: dict[str, tuple[float, bool]] = {}
        """Per kind: when it was last looked at, and whether no record of it was kept then."""
        self._none_reads = SharedReads[str, bool]()
        self._changes = 0
        """Records this replica changed: a read begun before a change is not remembered."""

    async def _none(self, kind: _Kind[A, R]) -> bool:
        """Whether OMS kept no record of ``kind`` at all a moment ago (every id unknown)."""
        looked_at, none = self._none_kept.get(kind.name, (0.0, False))
        if time.monotonic() - looked_at <= FRESH_SECONDS:
            return none

        async def look() -> bool:
            changes = self._changes
            none = not await kind.store.find({}, limit=1)
            if changes == self._changes:
                self._none_kept[kind.name] = (time.monotonic(), none)
            return none

        return await self._none_reads.read(kind.name, look)

    async def customer(self, customer_id: str) -> CustomerRecord | None:
        return await self._record(self._customers, customer_id)

    async def vendor(self, vendor_id: str) -> VendorRecord | None:
        return await self._record(self._vendors, vendor_id)

    async def _record(self, kind: _Kind[A, R], party_id: str) -> R | None:
        fresh, record = kind.seen.fresh(party_id)
        if fresh:
            return record
        if await self._none(kind):
            return None

        async def read() -> R | None:
            changes = self._changes
            found = await kind.store.read(party_id)
            record = kind.current(found) if found is not None else None
            if changes == self._changes:
                kind.seen.put(party_id, record)
            return record

        return await kind.reads.read(party_id, read)

    def forget_customer(self, customer_id: str) -> None:
        """This replica changed the customer: read it again, and the kind is not empty."""
        self._forget(self._customers, customer_id)

    def forget_vendor(self, vendor_id: str) -> None:
        self._forget(self._vendors, vendor_id)

    def _forget(self, kind: _Kind[A, R], party_id: str) -> None:
        self._changes += 1
        kind.seen.drop(party_id)
        self._none_kept[kind.name] = (time.monotonic(), False)
        kind.reads.forget(party_id)
        self._none_reads.forget(kind.name)


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    for collection in (CUSTOMERS, VENDORS):
        await db[collection].create_index([("current.name", ASCENDING)])
        await db[collection].create_index([("current.status", ASCENDING)])
