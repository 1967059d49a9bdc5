"""Where quotations live: the ``quotations`` collection of the order service's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.order.quotations.domain.quotation import Quotation
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

QUOTATIONS = "quotations"


def quotation_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Quotation]:
    return AggregateStore(db[QUOTATIONS], Quotation, relay, recent=RecentDocuments())


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[QUOTATIONS].create_index([("customer_id", 1), ("status", 1)])
    await db[QUOTATIONS].create_index([("status", 1), ("valid_until", 1)])
