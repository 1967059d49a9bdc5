"""Where carts live: the ``carts`` collection of the order service's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.order.carts.domain.cart import Cart
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

CARTS = "carts"


def cart_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Cart]:
    # Carts answer no command: their events are facts the storefront published.
    return AggregateStore(db[CARTS], Cart, relay, answers=False, recent=RecentDocuments())


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    carts = db[CARTS]
    await carts.create_index([("storefront_id", 1), ("last_activity_at", 1)])
    await carts.create_index([("customer_id", 1)])
    await carts.create_index([("status", 1), ("last_activity_at", 1)])
    await carts.create_index([("order_id", 1)], sparse=True)  # an order's timeline finds its cart
