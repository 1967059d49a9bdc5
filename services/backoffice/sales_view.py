"""What the sales reports are computed from, kept on each order's document of the order list
(``orders``, :mod:`services.backoffice.orders_view`): its amounts as the order service priced
them (net, tax, gross, per line), every goods issue against it (how far each item was issued)
and every invoice for it; its status is the list's. Fed by the order, inventory and billing
events on the back office's queue ``backoffice.order_events`` (shared with the order list).

What an event teaches both views is written in one statement: the sales view's writes go
through the order list's round (its ``UpdateBatch``), where the update pipelines about one
order are joined. Earlier versions kept a document of their own per order (``sales``): they
are merged into the order list's documents (:func:`merge_earlier`)."""

from __future__ import annotations

from typing import Any

import structlog
from pymongo import DeleteOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.backoffice.orders_view import ORDERS, OrderList
from shared.contracts import (
    Event,
    GoodsIssued,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderKind,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
)
from shared.contracts.billing import InvoiceIssued, InvoiceVoided
from shared.storage.writes import literal

log = structlog.get_logger(__name__)

Document = dict[str, Any]
EARLIER_SALES = "sales"
"""Where earlier versions kept the sales view, one document per order (merged, then dropped)."""
MERGE_BATCH = 500
ORDER_FACTS: tuple[type[Event], ...] = (
    OrderCreated,
    OrderUpdated,
    OrderSubmitted,
    OrderApproved,
    OrderRejected,
    OrderCancelled,
    OrderCompleted,
)
SALES_EVENTS: tuple[type[Event], ...] = (*ORDER_FACTS, GoodsIssued, InvoiceIssued, InvoiceVoided)
LIST_FIELDS = ("created_by", "created_on", "total", "total_value", "status_at")
"""What the order list keeps that no sales report reads."""
NOT_NEEDED = {
    "ordered": ("lines", "issues", "invoices", "voided"),
    "issued": ("invoices", "voided"),
    "invoiced": ("lines", "issues"),
}
PricedEvent = OrderCreated | OrderUpdated | OrderSubmitted | OrderApproved


def order_facts(event: PricedEvent) -> Document:
    """The order's amounts as priced (an order stored before pricing: its total, untaxed). Its
    kind, party, branch and currency are the order list's facts (it learns every event this
    view learns facts from)."""
    if event.pricing is None:
        return {"gross": str(event.total), "net": str(event.total), "tax": "0", "lines": []}
    return {
        "net": str(event.pricing.net_total),
        "tax": str(event.pricing.tax_total),
        "gross": str(event.pricing.grand_total),
        "lines": [
            {"sku": line.sku, "net": str(line.net), "tax": str(line.tax)}
            for line in event.pricing.lines
        ],
    }


class SalesView:
    def __init__(self, orders: OrderList) -> None:
        self.orders = orders.orders
        """The order list's documents, which this view's fields are kept on."""
        self.writes = orders.writes
        """The order list's rounds: what an event teaches both views goes as one statement."""
        self.facts = orders.facts

    async def learn(self, event: Event) -> None:
        """Each event sets what it knows; redeliveries and reorderings change nothing.

        No write of the view fails: an older event or a repeat is told apart by the database,
        in the write (an update pipeline), not by a collision of its upsert. A failed write of
        a round would send every write after it again in the next round."""
        if isinstance(event, GoodsIssued):
            await self._issued(event)
        elif isinstance(event, InvoiceIssued):
            await self._invoiced(event)
        elif isinstance(event, InvoiceVoided):  # kept apart: it may come before the invoice
            await self.writes.update(
                {"_id": event.order_id}, {"$addToSet": {"voided": event.invoice_id}}, upsert=True
            )
        else:
            await self._order(event)

    async def _order(self, event: Event) -> None:
        if getattr(event, "kind", None) != OrderKind.SALES:
            return  # purchases are no sales
        order_id = getattr(event, "order_id")  # noqa: B009 - every order event has one
        facts = order_facts(event) if isinstance(event, PricedEvent) else {}
        if event.routing_key == "order.created":
            facts["ordered_at"] = event.occurred_at
        if facts := self.facts.new(order_id, facts):
            change = {name: literal(value) for name, value in facts.items()}
            await self.writes.update({"_id": order_id}, [{"$set": change}], upsert=True)
            self.facts.written(order_id, facts)

    async def _issued(self, event: GoodsIssued) -> None:
        issue = {
            "issue_id": event.issue_id,
            "at": event.occurred_at,
            "progress": [
                {"sku": p.sku, "ordered": str(p.ordered), "issued": str(p.fulfilled)}
                for p in event.order_lines
            ],
        }
        await self._append(event.order_id, "issues", "issue_id", issue)

    async def _invoiced(self, event: InvoiceIssued) -> None:
        invoice = {
            "invoice_id": event.invoice_id,
            "at": event.issued_at,
            "currency": event.currency,
            "net": str(event.total - event.tax_total),
            "tax": str(event.tax_total),
            "gross": str(event.total),
            "customer_id": event.customer_id,
        }
        await self._append(event.order_id, "invoices", "invoice_id", invoice)

    async def _append(self, order_id: str, field: str, key: str, entry: Document) -> None:
        """Add ``entry`` to the order's ``field`` once (its ``key`` not there yet)."""
        change = {field: _with_new(field, key, [entry])}
        await self.writes.update({"_id": order_id}, [{"$set": change}], upsert=True)

    async def everything(self, basis: str) -> list[Document]:
        """Every sales order's document, with what a report by ``basis`` needs (``ordered``: no
        lines, issues or invoices; ``issued``: no invoices; ``invoiced``: no lines or issues)."""
        projection = dict.fromkeys((*NOT_NEEDED[basis], *LIST_FIELDS), 0)
        return [doc async for doc in self.orders.find({"kind": "sales"}, projection)]


def _with_new(field: str, key: str, entries: list[Document]) -> Document:
    """The stored ``field`` with those of ``entries`` whose ``key`` it does not hold yet."""
    stored = {"$ifNull": [f"${field}", []]}
    known = {"$ifNull": [f"${field}.{key}", []]}
    unknown = {"$eq": [{"$in": [f"$$this.{key}", known]}, False]}
    new = {"$filter": {"input": literal(entries), "cond": unknown}}
    return {"$concatArrays": [stored, new]}


async def merge_earlier(db: AsyncDatabase[Document], *, last: bool = False) -> int:
    """Merge the documents of the earlier sales view (``sales``) into the order list's; how
    many were merged. What the order list's document holds already stays (it was learnt since,
    from the same events); issues, invoices and voided invoices are joined. Each merged
    document then leaves ``sales`` if it is as it was read: one that a replica of the earlier
    version changed meanwhile (during a rolling upgrade) stays, and is merged again next time.
    ``last``: the collection is dropped when nothing is left in it."""
    earlier = db[EARLIER_SALES]
    merged, batch = 0, []
    async for doc in earlier.find({}):
        batch.append(doc)
        if len(batch) == MERGE_BATCH:
            merged, batch = merged + await _merge(db, batch), []
    if batch:
        merged += await _merge(db, batch)
    if merged:
        log.info("earlier_sales_merged", count=merged)
    if last and not await earlier.count_documents({}, limit=1):
        await earlier.drop()
    return merged


async def _merge(db: AsyncDatabase[Document], docs: list[Document]) -> int:
    """Merge ``docs`` (as read from ``sales``), then remove each that is still as read."""
    merges = [UpdateOne({"_id": d["_id"]}, [{"$set": _merged(d)}], upsert=True) for d in docs]
    await db[ORDERS].bulk_write(merges, ordered=False)
    await db[EARLIER_SALES].bulk_write([DeleteOne(doc) for doc in docs], ordered=False)
    return len(docs)


def _merged(doc: Document) -> Document:
    change: Document = {}
    for name, value in doc.items():
        if name == "_id":
            continue
        if name in ("issues", "invoices"):
            change[name] = _with_new(name, f"{name[:-1]}_id", value)
        elif name == "voided":
            change[name] = {"$setUnion": [{"$ifNull": ["$voided", []]}, literal(value)]}
        else:  # the order's facts, its status: the order list's own, when it has them
            change[name] = {"$ifNull": [f"${name}", literal(value)]}
    return change
