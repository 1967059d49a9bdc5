"""Where the receivables part keeps its policies, its copies of sales orders and the sales
invoices (numbered without gaps per series: services/billing/common/numbering.py)."""

from __future__ import annotations

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


@dataclass(frozen=True)
class Stores:
    """The part's stores in MongoDB (a :class:`ReceivablesStores`)."""

    policies: AggregateStore[PolicyRecord]
    orders: AggregateStore[SalesOrder]
    invoices: AggregateStore[CustomerInvoice]
    numbering: Numbering = field(default_factory=Numbering)
    """The last invoice number this process stored per series (see common/numbering.py)."""

    async def terms_for(self, branch_id: str, customer_id: str) -> OrderTerms:
        """The customer's policy at the branch, else the branch's, else the default (one
        query for both)."""
        keys = [policy_id(branch_id, customer_id), policy_id(branch_id, None)]
        found = {p.id: p for p in await self.policies.find({"_id": {"$in": keys}}, limit=2)}
        for key in keys:
            if (record := found.get(key)) is not None:
                return record.terms
        return OrderTerms()

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
        AggregateStore(db[POLICIES], PolicyRecord, relay),
        # Only this part writes billing's copies of sales orders: the copy it wrote a moment
        # ago is what the next step of the same event reads (a stale one fails its conditional
        # write and is read again).
        AggregateStore(db[SALES_ORDERS], SalesOrder, relay, recent=RecentDocuments()),
        AggregateStore(db[CUSTOMER_INVOICES], CustomerInvoice, relay),
    )
