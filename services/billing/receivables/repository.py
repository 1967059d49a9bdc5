"""Where the receivables part keeps its policies, its copies of sales orders and the sales
invoices (numbered without gaps per series: services/billing/common/numbering.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.billing.common.numbering import Numbering, add_numbered
from services.billing.receivables.domain import CustomerInvoice, PolicyRecord, SalesOrder
from services.billing.receivables.domain.orders import OrderTerms
from services.billing.receivables.domain.policies import policy_id
from shared.contracts.base import Message
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments
from shared.storage.store import Store

POLICIES, SALES_ORDERS, CUSTOMER_INVOICES = (
    "invoicing_policies",
    "sales_orders",
    "customer_invoices",
)
OUTBOX_COLLECTIONS = (POLICIES, SALES_ORDERS, CUSTOMER_INVOICES)
WITHOUT_OUTBOX = {"outbox": 0, "outbox_lease": 0, "outbox_pending": 0, "answers": 0}
"""A policy as the store reads it: with its applied message ids, without its outbox."""
POLICIES_REMEMBERED = 200
"""Up to this many invoicing policies are read all at once and remembered (a shop has a policy
per branch and a few per customer): an approved order then asks the database for none."""
POLICIES_FRESH_SECONDS = 2.0
"""How long the policies read all at once stand for every policy there is: a policy set on
another replica applies to orders approved here at most this long after it (one set here,
at once). As long as a remembered copy is trusted for plain reads."""
TOO_MANY_POLICIES_SECONDS = 60.0
"""With more policies than are remembered, how long before counting them again."""


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    invoices = db[CUSTOMER_INVOICES]
    await invoices.create_index([("series", ASCENDING), ("number", ASCENDING)], unique=True)
    await invoices.create_index([("order_id", ASCENDING), ("bill", ASCENDING)], unique=True)
    await invoices.create_index([("customer_id", ASCENDING), ("issued_at", ASCENDING)])
    await invoices.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])


class ReceivablesStores(Protocol):
    """What the handlers ask of where the part's documents live (unit tests give their own)."""

    @property
    def policies(self) -> Store[PolicyRecord]: ...
    @property
    def orders(self) -> Store[SalesOrder]: ...
    @property
    def invoices(self) -> Store[CustomerInvoice]: ...
    async def terms_for(self, branch_id: str, customer_id: str) -> OrderTerms: ...
    async def invoices_of(self, order_id: str) -> list[CustomerInvoice]: ...
    async def add_numbered(
        self, make: Callable[[int], CustomerInvoice], series: str, *, cause: Message
    ) -> CustomerInvoice: ...
    async def overdue_invoices(self, now: datetime, limit: int) -> list[CustomerInvoice]: ...


@dataclass
class PolicySnapshot:
    """When every policy was last read at once (monotonic seconds), and whether they were all
    (``complete``: no more than ``POLICIES_REMEMBERED``)."""

    read_at: float | None = None
    complete: bool = False

    def current(self) -> bool | None:
        """Whether the policies remembered are all there are; ``None``: time to look again."""
        if self.read_at is None:
            return None
        lasts = POLICIES_FRESH_SECONDS if self.complete else TOO_MANY_POLICIES_SECONDS
        return self.complete if time.monotonic() - self.read_at <= lasts else None


@dataclass(frozen=True)
class Stores:
    """The part's stores in MongoDB (a :class:`ReceivablesStores`)."""

    policies: AggregateStore[PolicyRecord]
    orders: AggregateStore[SalesOrder]
    invoices: AggregateStore[CustomerInvoice]
    numbering: Numbering = field(default_factory=Numbering)
    """The last invoice number this process stored per series (see common/numbering.py)."""
    policy_snapshot: PolicySnapshot = field(default_factory=PolicySnapshot)

    async def terms_for(self, branch_id: str, customer_id: str) -> OrderTerms:
        """The customer's policy at the branch, else the branch's, else the default: from the
        policies remembered when they are few (read all at once at most a moment ago, or set
        here since), else one query for both."""
        keys = [policy_id(branch_id, customer_id), policy_id(branch_id, None)]
        recent = self.policies.recent
        if recent is not None and await self._all_policies_remembered():
            docs = [recent.get(key, max_age=None) for key in keys]
            found = {doc["_id"]: self.policies.from_document(doc) for doc in docs if doc}
        else:
            found = {p.id: p for p in await self.policies.find({"_id": {"$in": keys}}, limit=2)}
        for key in keys:
            if (record := found.get(key)) is not None:
                return record.terms
        return OrderTerms()

    async def _all_policies_remembered(self) -> bool:
        """Whether every policy is remembered (each read at once, or written here, at most a
        moment ago): reads them all when it is time to look again."""
        if (complete := self.policy_snapshot.current()) is not None:
            return complete
        recent = self.policies.recent
        assert recent is not None
        read_at = time.monotonic()
        cursor = self.policies.collection.find({}, WITHOUT_OUTBOX, limit=POLICIES_REMEMBERED + 1)
        everything = await cursor.to_list()
        for doc in everything:
            # A policy set here while the read was on its way is newer than what it found.
            known = recent.get(doc["_id"], max_age=None)
            if known is None or known["version"] <= doc["version"]:
                recent.put(doc["_id"], doc)
        complete = len(everything) <= POLICIES_REMEMBERED
        self.policy_snapshot.read_at, self.policy_snapshot.complete = read_at, complete
        return complete

    async def invoices_of(self, order_id: str) -> list[CustomerInvoice]:
        """An order's invoices, oldest first."""
        return await self.invoices.find(
            {"order_id": order_id}, limit=1000, sort=[("issued_at", 1), ("number", 1)]
        )

    async def invoice_for(self, order_id: str, bill: str) -> CustomerInvoice | None:
        found = await self.invoices.find({"order_id": order_id, "bill": bill}, limit=1)
        return found[0] if found else None

    async def add_numbered(
        self, make: Callable[[int], CustomerInvoice], series: str, *, cause: Message
    ) -> CustomerInvoice:
        async def issued_already(invoice: CustomerInvoice) -> CustomerInvoice | None:
            return await self.invoice_for(invoice.order_id, invoice.bill)

        return await add_numbered(
            self.invoices,
            make,
            series,
            cause=cause,
            issued_already=issued_already,
            numbering=self.numbering,
        )

    async def overdue_invoices(self, now: datetime, limit: int) -> list[CustomerInvoice]:
        return await self.invoices.find(
            {"status": "open", "next_attempt_at": {"$lte": now}}, limit=limit
        )


def stores(db: AsyncDatabase[Document], relay: OutboxRelay) -> Stores:
    return Stores(
        # Only this part writes the policies: a policy it sets is remembered at once.
        AggregateStore(
            db[POLICIES],
            PolicyRecord,
            relay,
            recent=RecentDocuments(
                size=2 * POLICIES_REMEMBERED, fresh_seconds=POLICIES_FRESH_SECONDS
            ),
        ),
        # Only this part writes billing's copies of sales orders: the copy it wrote a moment
        # ago is what the next step of the same event reads (a stale one fails its conditional
        # write and is read again).
        AggregateStore(db[SALES_ORDERS], SalesOrder, relay, recent=RecentDocuments()),
        AggregateStore(db[CUSTOMER_INVOICES], CustomerInvoice, relay),
    )
