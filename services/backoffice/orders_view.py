"""The back office's list of orders, fed by the order service's events and inventory's receipts
and issues (``GET /orders`` of the order service answers one order at a time): filters, sorting,
paging, a count. The order page itself reads the order service, so it is never behind. The
sales view keeps what the reports need on the same documents (``sales_view``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.backoffice.written import WrittenFacts
from shared.contracts import (
    Event,
    GoodsIssued,
    GoodsReceived,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderRejected,
    OrderStatus,
    OrderSubmitted,
    OrderUpdated,
)
from shared.storage.batch import VIEW_LINGER_SECONDS, UpdateBatch
from shared.storage.writes import constant

Document = dict[str, Any]
ORDERS = "orders"
PAGE_SIZE = 25
PAGE_SIZES = (25, 50, 100)
BACKFILL_BATCH = 500
EXPORT_LIMIT = 10_000
"""At most this many orders in one CSV download (narrow the filters for the rest)."""
ORDER_EVENTS: tuple[type[Event], ...] = (
    OrderCreated,
    OrderUpdated,
    OrderSubmitted,
    OrderApproved,
    OrderRejected,
    OrderCancelled,
    OrderCompleted,
    GoodsReceived,
    GoodsIssued,
)
STATUSES = tuple(OrderStatus)
"""What the list filters by: every status an order can have (the contract's enum)."""
SORTS = {
    "created": "created_on",
    "order": "_id",
    "party": "party_id",
    "branch": "branch_id",
    "creator": "created_by",
    "status": "status",
    "total": "total_value",
}
"""What the list sorts by (the page's word: the stored field)."""
STATUS_AFTER: dict[str, OrderStatus | None] = {
    "order.created": OrderStatus.DRAFT,
    "order.updated": None,  # a draft stays a draft, a rejected order stays rejected
    "order.submitted": OrderStatus.PENDING_APPROVAL,
    "order.approved": OrderStatus.APPROVED,
    "order.rejected": OrderStatus.REJECTED,
    "order.cancelled": OrderStatus.CANCELLED,
    "order.completed": OrderStatus.COMPLETED,
}


def status_after(event: Event) -> OrderStatus | None:
    """The order's status once ``event`` happened; ``None``: the event leaves it as it is. A
    receipt or an issue that does not finish the order leaves it partly done; one that does
    is followed by ``order.completed``."""
    if isinstance(event, GoodsReceived):
        return None if event.fully_received else OrderStatus.PARTIALLY_RECEIVED
    if isinstance(event, GoodsIssued):
        return None if event.completed else OrderStatus.PARTIALLY_ISSUED
    return STATUS_AFTER[event.routing_key]


def newest_status(status: OrderStatus, at: datetime) -> Document:
    """The update pipeline's fields that keep the status of the newest event about an order:
    ``status`` as of ``at`` unless a newer one is stored (an older event changes neither). The
    database tells them apart in the write, so no write fails and none is sent again."""
    newer = {"$lte": [{"$ifNull": ["$status_at", None]}, at]}
    return {
        "status": {"$cond": [newer, status.value, "$status"]},
        "status_at": {"$max": ["$status_at", at]},  # the newer of the two
    }


FACTS = ("kind", "party_id", "branch_id", "created_by", "currency", "total")
HIDDEN = (
    *("total_value", "status_at"),
    *("gross", "net", "tax", "lines", "ordered_at", "issues", "invoices", "voided"),
)
"""What a page of the list leaves out: what it sorts by, and the sales view's fields kept on the
same documents (:mod:`services.backoffice.sales_view`)."""


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    status: str = ""
    party_id: str = ""
    branch_id: str = ""
    created_from: str = ""
    created_to: str = ""
    page: int = 1
    sort: str = "created"
    direction: str = "desc"
    size: int = PAGE_SIZE

    @classmethod
    def read(cls, params: dict[str, str]) -> Filters:
        """The filters a page asked for; what is not understood falls back to the default."""
        page, size = params.get("page", "1"), params.get("size", "")
        fields = {key: params.get(key, "").strip() for key in FACTS_FILTERED}
        return cls(
            **fields,
            page=max(int(page) if page.isdigit() else 1, 1),
            sort=sort if (sort := params.get("sort", "")) in SORTS else "created",
            direction="asc" if params.get("direction") == "asc" else "desc",
            size=int(size) if size.isdigit() and int(size) in PAGE_SIZES else PAGE_SIZE,
        )

    def order_by(self) -> list[tuple[str, int]]:
        """The sort, then the order id, so that equal values keep one order between pages."""
        way = ASCENDING if self.direction == "asc" else DESCENDING
        return [(key, way) for key in dict.fromkeys((SORTS[self.sort], "_id"))]

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
        self.writes = UpdateBatch(self.orders, linger=VIEW_LINGER_SECONDS)
        """What events teach the list is written in rounds: one round trip for the events
        of many orders, not one per event."""
        self.facts = WrittenFacts()

    async def learn(self, event: Event) -> None:
        """Keep an order's facts and its status as of the newest event about it."""
        at: datetime = event.occurred_at
        facts = event.model_dump(mode="json", include=set(FACTS))
        if isinstance(event, OrderCreated):
            facts["created_on"] = at.isoformat()
        if "total" in facts:
            facts["total_value"] = Decimal128(Decimal(facts["total"]))
        status = status_after(event)
        order_id = getattr(event, "order_id")  # noqa: B009 - every order event has one
        facts = self.facts.new(order_id, facts)
        change = {name: constant(value) for name, value in facts.items()}
        if status is not None:  # an older event: its facts only
            change |= newest_status(status, at)
        if change:  # the writes about one order in a round go as one statement (UpdateBatch)
            await self.writes.update({"_id": order_id}, [{"$set": change}], upsert=True)
            self.facts.written(order_id, facts)

    async def everything(self) -> list[Document]:
        """Every order's facts and status (for the reports)."""
        fields = dict.fromkeys((*FACTS, "status", "created_on"), 1)
        return [doc async for doc in self.orders.find({}, fields)]

    async def page(self, filters: Filters) -> tuple[list[Document], bool]:
        """One page of orders in the filters' order, and whether there is a next page."""
        found = await self._find(filters, (filters.page - 1) * filters.size, filters.size + 1)
        return found[: filters.size], len(found) > filters.size

    async def count(self, filters: Filters) -> tuple[int, bool]:
        """How many orders match the filters (on every page), and whether there are more: a
        filtered count stops after ``EXPORT_LIMIT``. Without filters, the collection's own
        count (counting documents one by one took 300 ms at 10,000 on the embedded server)."""
        if not (query := filters.query()):
            return await self.orders.estimated_document_count(), False
        found = await self.orders.count_documents(query, limit=EXPORT_LIMIT + 1)
        return min(found, EXPORT_LIMIT), found > EXPORT_LIMIT

    async def export(self, filters: Filters) -> list[Document]:
        """Every order that matches, in the filters' order, up to ``EXPORT_LIMIT``."""
        return await self._find(filters, 0, EXPORT_LIMIT)

    async def _find(self, filters: Filters, skip: int, limit: int) -> list[Document]:
        cursor = self.orders.find(
            filters.query(),
            dict.fromkeys(HIDDEN, 0),
            sort=filters.order_by(),
            skip=skip,
            limit=limit,
        )
        return [{"order_id": doc.pop("_id"), **doc} async for doc in cursor]


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[ORDERS].create_index([("created_on", DESCENDING)])
    await db[ORDERS].create_index([("status", 1), ("created_on", DESCENDING)])
    await db[ORDERS].create_index([("total_value", DESCENDING)])
    # Orders learnt before the list sorted by total get their sortable total once, in batches.
    unsorted = db[ORDERS].find({"total": {"$type": "string"}, "total_value": None}, {"total": 1})
    batch: list[UpdateOne] = []
    async for doc in unsorted:
        total = Decimal128(Decimal(doc["total"]))
        batch.append(UpdateOne({"_id": doc["_id"]}, {"$set": {"total_value": total}}))
        if len(batch) == BACKFILL_BATCH:
            await db[ORDERS].bulk_write(batch, ordered=False)
            batch = []
    if batch:
        await db[ORDERS].bulk_write(batch, ordered=False)
