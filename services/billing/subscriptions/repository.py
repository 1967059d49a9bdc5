"""Where billing keeps its plans, subscriptions and invoices; gap-free invoice numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.billing.common.numbering import Numbering, add_numbered
from services.billing.subscriptions.domain import Invoice, Plan, Subscription
from shared.contracts.base import Message
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay

PLANS, SUBSCRIPTIONS, INVOICES = "plans", "subscriptions", "invoices"
OUTBOX_COLLECTIONS = (PLANS, SUBSCRIPTIONS, INVOICES)
InvoiceMaker = Callable[[int], Invoice]


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[SUBSCRIPTIONS].create_index([("next_step_at", ASCENDING)])
    await db[SUBSCRIPTIONS].create_index([("renewals.order_id", ASCENDING)])
    await db[SUBSCRIPTIONS].create_index([("customer_id", ASCENDING)])
    await db[INVOICES].create_index([("series", ASCENDING), ("number", ASCENDING)], unique=True)
    await db[INVOICES].create_index([("order_id", ASCENDING)], unique=True)
    await db[INVOICES].create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])


@dataclass(frozen=True)
class Stores:
    plans: AggregateStore[Plan]
    subscriptions: AggregateStore[Subscription]
    invoices: AggregateStore[Invoice]
    numbering: Numbering = field(default_factory=Numbering)
    """The last invoice number this process stored per series (see common/numbering.py)."""

    async def due_subscriptions(self, now: datetime, limit: int) -> list[Subscription]:
        return await self.subscriptions.find(
            {"next_step_at": {"$lte": now}}, limit=limit, sort=[("next_step_at", 1)]
        )

    async def renewing(self, order_id: str) -> Subscription | None:
        """The subscription whose renewal order this is (none for any other order)."""
        found = await self.subscriptions.find({"renewals.order_id": order_id}, limit=1)
        return found[0] if found else None

    async def overdue_invoices(self, now: datetime, limit: int) -> list[Invoice]:
        return await self.invoices.find(
            {"status": "open", "next_attempt_at": {"$lte": now}}, limit=limit
        )

    async def invoice_for(self, order_id: str) -> Invoice | None:
        found = await self.invoices.find({"order_id": order_id}, limit=1)
        return found[0] if found else None

    async def add_numbered(self, make: InvoiceMaker, series: str, *, cause: Message) -> Invoice:
        """Store the invoice ``make(number)`` makes with the next free number of ``series``
        (gap-free, see services/billing/common/numbering.py); an invoice for the same order
        stored already (a redelivered approval) is returned as it is."""

        async def issued_already(invoice: Invoice) -> Invoice | None:
            return await self.invoice_for(invoice.order_id)

        return await add_numbered(
            self.invoices,
            make,
            series,
            cause=cause,
            issued_already=issued_already,
            numbering=self.numbering,
        )


def stores(db: AsyncDatabase[Document], relay: OutboxRelay) -> Stores:
    return Stores(
        AggregateStore(db[PLANS], Plan, relay),
        AggregateStore(db[SUBSCRIPTIONS], Subscription, relay),
        AggregateStore(db[INVOICES], Invoice, relay),
    )
