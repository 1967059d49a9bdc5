"""Read-only HTTP queries about orders: one order's status, lines, totals and history, a list of
orders, and an order's timeline with that of the document it came from (a quotation, an RFQ, a
cart: each of those parts says, as an :class:`Origin`, how an order names its document)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.order.common.queries import document_query
from services.order.orders.answers import OrderAnswer, OrderListed, OrderTimelineAnswer
from services.order.orders.repository import ORDERS
from shared.http import Route, json_query
from shared.runtime import Runtime

LIST_FILTERS = ("status", "kind", "branch_id", "party_id", "created_by", "currency")
LIST_FIELDS = dict.fromkeys(
    ("kind", "status", "party_id", "branch_id", "currency", "created_by", "created_at"), 1
) | {"updated_at": 1, "pricing.grand_total": 1}


TOLD = {"timeline": 1}
ORDER_TOLD = {"timeline": 1, "status": 1, "kind": 1, "quotation_id": 1, "rfq_id": 1}


@dataclass(frozen=True)
class Origin:
    """A kind of document orders are made from, and how an order names the one it came from."""

    kind: str
    collection: str
    names: Callable[[dict[str, Any]], dict[str, Any] | None]
    """The filter that finds the document an order (as stored) came from; ``None``: the order
    did not come from one of these."""


def _listed(doc: dict[str, Any]) -> dict[str, Any]:
    """One order of a list: its grand total beside its status (orders stored before pricing
    show none)."""
    pricing = doc.pop("pricing", None) or {}
    return {"order_id": doc.pop("_id"), **doc, "total": pricing.get("grand_total")}


def order_queries(runtime: Runtime[Any], origins: Sequence[Origin]) -> list[Route]:
    """``origins`` are asked in turn; the first that names a document is the one the order came
    from (a cart's names any sales order not made otherwise, so it comes last)."""
    find_order = document_query(runtime, ORDERS, "order_id", "order")

    async def order(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /orders?order_id=...``: one order as stored, without bookkeeping fields;
        without ``order_id``, a list (see ``order_list``)."""
        if params.get("order_id"):
            return await find_order(params)
        return await order_list(params)

    async def order_list(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /orders?status=&kind=&branch_id=&party_id=&created_by=&limit=``: orders,
        newest first (at most ``limit``, 50 by default, 500 at most), each with its status,
        party, total and dates but not its lines or history."""
        query = {key: value for key in LIST_FILTERS if (value := params.get(key))}
        try:
            limit = min(max(int(params.get("limit") or 50), 1), 500)
        except ValueError:
            return 400, {"error": "limit must be a whole number"}
        cursor = runtime.database[ORDERS].find(
            query, LIST_FIELDS, sort=[("created_at", -1), ("_id", 1)], limit=limit
        )
        return 200, [_listed(doc) async for doc in cursor]

    async def came_from(order: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The document the order came from, with its timeline: its quotation or RFQ, or the
        cart a storefront checked out into it."""
        for origin in origins:
            if (wanted := origin.names(order)) is not None:
                doc = await runtime.database[origin.collection].find_one(wanted, TOLD)
                return [] if doc is None else [(origin.kind, doc)]
        return []

    async def timeline(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /orders/timeline?order_id=...``: every event about the order, the order
        service's own and those other services published (approval, inventory), and those of
        the quotation, RFQ or cart it came from, oldest first; each names who was behind it."""
        if not (order_id := params.get("order_id")):
            return 400, {"error": "order_id is required"}
        doc = await runtime.database[ORDERS].find_one({"_id": order_id}, ORDER_TOLD)
        if doc is None:
            return 404, {"error": f"no order {order_id}"}
        sources = await came_from(doc)
        # Within a millisecond (what the database keeps of a time) entries stay in the order
        # they were recorded, the document the order came from first.
        entries = [
            {**entry, "document": kind, "document_id": source["_id"]}
            for kind, source in [*sources, ("order", doc)]
            for entry in source.get("timeline", [])
        ]
        entries.sort(key=lambda e: e["at"])
        return 200, {
            "order_id": order_id,
            "status": doc.get("status"),
            "came_from": [{"document": kind, "id": source["_id"]} for kind, source in sources],
            "timeline": entries,
        }

    return [
        ("/orders", json_query(order, OrderAnswer | list[OrderListed])),
        ("/orders/timeline", json_query(timeline, OrderTimelineAnswer)),
    ]
