"""Where orders live: the ``orders`` collection of the order service's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.order.domain import Order
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

ORDERS = "orders"


def order_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Order]:
    return AggregateStore(db[ORDERS], Order, relay, recent=RecentDocuments())


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    orders = db[ORDERS]
    await orders.create_index([("status", 1), ("updated_at", -1)])
    await orders.create_index([("party_id", 1), ("kind", 1)])
