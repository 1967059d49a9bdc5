"""Where work orders live: the ``work_orders`` collection of the order service's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.order.work_orders.domain.work_order import WorkOrder
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

WORK_ORDERS = "work_orders"


def work_order_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[WorkOrder]:
    return AggregateStore(db[WORK_ORDERS], WorkOrder, relay, recent=RecentDocuments())


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[WORK_ORDERS].create_index([("status", 1), ("updated_at", -1)])
    await db[WORK_ORDERS].create_index([("branch_id", 1), ("item_sku", 1)])
