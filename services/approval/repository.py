"""Collections of the approval service's database."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from services.approval.domain import ApprovalRequest
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay

REQUESTS = "requests"


def request_store(
    db: AsyncDatabase[Document], relay: OutboxRelay
) -> AggregateStore[ApprovalRequest]:
    return AggregateStore(db[REQUESTS], ApprovalRequest, relay)


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[REQUESTS].create_index([("order_id", 1), ("attempt", -1)])
