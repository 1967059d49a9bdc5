"""The back office's list of orders, fed by the order service's events (``GET /orders`` of the
order service answers one order at a time): filters, paging, newest first. The order page
itself reads the order service, so it is never behind."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts import (
    Event,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
)

Document = dict[str, Any]
ORDERS = "orders"
PAGE_SIZE = 25
ORDER_EVENTS: tuple[type[Event], ...] = (
    OrderCreated,
    OrderUpdated,
    OrderSubmitted,
    OrderApproved,
    OrderRejected,
    OrderCancelled,
    OrderCompleted,
)
STATUS_AFTER: dict[str, str | None] = {
    "order.created": "draft",
    "order.updated": None,  # a draft stays a draft, a rejected order stays rejected
    "order.submitted": "pending_approval",
    "order.approved": "approved",
    "order.rejected": "rejected",
    "order.cancelled": "cancelled",
    "order.completed": "completed",
}
FACTS = ("kind", "party_id", "branch_id", "created_by", "currency", "total")


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    status: str = ""
    party_id: str = ""
    branch_id: str = ""
    created_from: str = ""
    created_to: str = ""
    page: int = 1

    @classmethod
    def read(cls, params: dict[str, str]) -> Filters:
        page = params.get("page", "1")
        fields = {key: params.get(key, "").strip() for key in FACTS_FILTERED}
        return cls(**fields, page=max(int(page) if page.isdigit() else 1, 1))

    def query(self) -> Document:
        query: Document = {
            key: getattr(self, key)
            for key in ("kind", "status", "party_id", "branch_id")
            if getattr(self, key)
        }
        dates: Document = {}
        if _is_date(self.created_from):
            dates["$gte"] = self.created_from
        if _is_date(self.created_to):
            dates["$lte"] = self.created_to + "T99"  # the whole day
        if dates:
            query["created_on"] = dates
        return query


FACTS_FILTERED = ("kind", "status", "party_id", "branch_id", "created_from", "created_to")


def _is_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


class OrderList:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.orders = db[ORDERS]

    async def learn(self, event: Event) -> None:
        """Keep an order's facts and its status as of the newest event about it."""
        at: datetime = event.occurred_at
        facts = event.model_dump(mode="json", include=set(FACTS))
        if isinstance(event, OrderCreated):
            facts["created_on"] = at.isoformat()
        status = STATUS_AFTER[event.routing_key]
        order_id = getattr(event, "order_id")  # noqa: B009 - every order event has one
        if status is not None:
            newer = {"$or": [{"status_at": {"$lte": at}}, {"status_at": None}]}
            with contextlib.suppress(DuplicateKeyError):  # an older event: facts only
                done = await self.orders.update_one(
                    {"_id": order_id, **newer},
                    {"$set": {**facts, "status": status, "status_at": at}},
                    upsert=True,
                )
                if done.matched_count or done.upserted_id is not None:
                    return
        if facts:
            await self.orders.update_one({"_id": order_id}, {"$set": facts}, upsert=True)

    async def everything(self) -> list[Document]:
        """Every order's facts and status (for the reports)."""
        fields = dict.fromkeys((*FACTS, "status", "created_on"), 1)
        return [doc async for doc in self.orders.find({}, fields)]

    async def page(self, filters: Filters) -> tuple[list[Document], bool]:
        """One page of orders, newest first, and whether there is a next page."""
        cursor = self.orders.find(
            filters.query(),
            sort=[("created_on", DESCENDING), ("_id", DESCENDING)],
            skip=(filters.page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE + 1,
        )
        found = [{"order_id": doc.pop("_id"), **doc} async for doc in cursor]
        return found[:PAGE_SIZE], len(found) > PAGE_SIZE


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[ORDERS].create_index([("created_on", DESCENDING)])
    await db[ORDERS].create_index([("status", 1), ("created_on", DESCENDING)])
