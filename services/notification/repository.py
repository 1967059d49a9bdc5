"""Collections of the notification service's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.notification.domain import Email
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay

EMAILS = "emails"


def email_store(db: AsyncDatabase[Document], relay: OutboxRelay) -> AggregateStore[Email]:
    return AggregateStore(db[EMAILS], Email, relay)


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[EMAILS].create_index([("status", 1), ("next_attempt_at", 1)])
    await db[EMAILS].create_index([("order_id", 1), ("created_at", -1)])
