"""What the sales reports are computed from, one document per order: its amounts as the order
service priced them (net, tax, gross, per line), its status, every goods issue against it (how
far each item was issued) and every invoice for it. Fed by the order, inventory and billing
events on the back office's queue ``backoffice.order_events`` (shared with the order list)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.backoffice.orders_view import STATUS_AFTER, newest_status
from services.backoffice.written import WrittenFacts
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
from shared.storage.batch import VIEW_LINGER_SECONDS, UpdateBatch
from shared.storage.writes import literal

Document = dict[str, Any]
SALES = "sales"
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
NOT_NEEDED = {
    "ordered": ("lines", "issues", "invoices", "voided"),
    "issued": ("invoices", "voided"),
    "invoiced": ("lines", "issues"),
}
PricedEvent = OrderCreated | OrderUpdated | OrderSubmitted | OrderApproved


def order_facts(event: PricedEvent) -> Document:
    """The order's amounts as priced (an order stored before pricing: its total, untaxed)."""
    facts: Document = {
        "kind": event.kind,
        "branch_id": event.branch_id,
        "party_id": event.party_id,
        "currency": event.currency,
        "gross": str(event.total),
    }
    if event.pricing is None:
        facts |= {"net": str(event.total), "tax": "0", "lines": []}
        return facts
    facts |= {
        "net": str(event.pricing.net_total),
        "tax": str(event.pricing.tax_total),
        "gross": str(event.pricing.grand_total),
        "lines": [
            {"sku": line.sku, "net": str(line.net), "tax": str(line.tax)}
            for line in event.pricing.lines
        ],
    }
    return facts


class SalesView:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.sales = db[SALES]
        self.writes = UpdateBatch(self.sales, linger=VIEW_LINGER_SECONDS)
        """Written in rounds: the events of many orders share a round trip."""
        self.facts = WrittenFacts()

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
        at = event.occurred_at
        order_id = getattr(event, "order_id")  # noqa: B009 - every order event has one
        facts = order_facts(event) if isinstance(event, PricedEvent) else {}
        if event.routing_key == "order.created":
            facts["ordered_at"] = at
        status = STATUS_AFTER[event.routing_key]
        facts = self.facts.new(order_id, facts)
        if status is None:
            if facts:
                await self.writes.update({"_id": order_id}, {"$set": facts}, upsert=True)
                self.facts.written(order_id, facts)
            return
        # An older event than the one the status is from: its facts only.
        change = {name: literal(value) for name, value in facts.items()}
        change |= newest_status(status, at)
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
        entries = {"$ifNull": [f"${field}", []]}
        known = {"$in": [literal(entry[key]), {"$ifNull": [f"${field}.{key}", []]}]}
        added = {"$concatArrays": [entries, [literal(entry)]]}
        await self.writes.update(
            {"_id": order_id}, [{"$set": {field: {"$cond": [known, entries, added]}}}], upsert=True
        )

    async def everything(self, basis: str) -> list[Document]:
        """Every order's document, with what a report by ``basis`` needs (``ordered``: no
        lines, issues or invoices; ``issued``: no invoices; ``invoiced``: no lines or issues)."""
        left_out = NOT_NEEDED[basis]
        projection = dict.fromkeys(left_out, 0) if left_out else None
        return [doc async for doc in self.sales.find({"kind": "sales"}, projection)]
