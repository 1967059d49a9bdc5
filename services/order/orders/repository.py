"""Where orders live: the ``orders`` collection of the order service's database; and who is an
admin (``admins``), for the rule on reworking rejected orders."""

from __future__ import annotations

import contextlib
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.order.orders.domain.order import Order
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

ORDERS = "orders"
ADMINS = "admins"


def order_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Order]:
    return AggregateStore(db[ORDERS], Order, relay, recent=RecentDocuments())


class Admins:
    """Who is an admin, as the approval service's user directory says (from its events)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db[ADMINS]

    async def is_admin(self, user_id: str) -> bool:
        doc = await self.collection.find_one({"_id": user_id, "admin": True, "active": True})
        return doc is not None

    async def learn(self, user_id: str, *, admin: bool, active: bool, at: datetime) -> None:
        """Keep the newest word on a user; an older event arriving late changes nothing."""
        with contextlib.suppress(DuplicateKeyError):  # a newer word is stored already
            await self.collection.update_one(
                {"_id": user_id, "$or": [{"at": {"$lt": at}}, {"at": {"$exists": False}}]},
                {"$set": {"admin": admin, "active": active, "at": at}},
                upsert=True,
            )


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    orders = db[ORDERS]
    await orders.create_index([("status", 1), ("updated_at", -1)])
    await orders.create_index([("party_id", 1), ("kind", 1)])
