"""Where RFQs live: the ``rfqs`` collection of the order service's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.order.rfqs.domain.rfq import Rfq
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

RFQS = "rfqs"


def rfq_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Rfq]:
    return AggregateStore(db[RFQS], Rfq, relay, recent=RecentDocuments())


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[RFQS].create_index([("status", 1), ("updated_at", -1)])
