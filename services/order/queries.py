"""Read-only HTTP queries of the order service: an order's, a quotation's or an RFQ's status,
lines, totals and history; the tax rates, price lists and storefront settings that price
orders."""

from __future__ import annotations

from typing import Any

from services.order.answers import (
    OrderAnswer,
    OrderListed,
    OrderTimelineAnswer,
    PriceListAnswer,
    PriceListListed,
    QuotationAnswer,
    QuotationListed,
    RfqAnswer,
    RfqListed,
    StorefrontAnswer,
    TaxRateCodeAnswer,
)
from services.order.carts.repository import CARTS
from services.order.repository import (
    ORDERS,
    PRICE_LISTS,
    QUOTATIONS,
    RFQS,
    STOREFRONTS,
    TAX_RATES,
)
from shared.http import Query, Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING

LIST_LIMIT = 100
LISTED = {**HIDE_BOOKKEEPING, "history": 0, "revisions": 0, "timeline": 0}
"""A list shows each document without its history, earlier versions and timeline (ask for one
for them)."""


LIST_FILTERS = ("status", "kind", "branch_id", "party_id", "created_by", "currency")
LIST_FIELDS = dict.fromkeys(
    ("kind", "status", "party_id", "branch_id", "currency", "created_by", "created_at"), 1
) | {"updated_at": 1, "pricing.grand_total": 1}


TOLD = {"timeline": 1}
ORDER_TOLD = {"timeline": 1, "status": 1, "kind": 1, "quotation_id": 1, "rfq_id": 1}


def _listed(doc: dict[str, Any]) -> dict[str, Any]:
    """One order of a list: its grand total beside its status (orders stored before pricing
    show none)."""
    pricing = doc.pop("pricing", None) or {}
    return {"order_id": doc.pop("_id"), **doc, "total": pricing.get("grand_total")}


def queries(runtime: Runtime[Any]) -> list[Route]:
    def one(collection: str, key: str, what: str, *, filters: tuple[str, ...] = ()) -> Query:
        async def query(params: dict[str, str]) -> tuple[int, Any]:
            if doc_id := params.get(key):
                doc = await runtime.database[collection].find_one({"_id": doc_id}, HIDE_BOOKKEEPING)
                if doc is None:
                    return 404, {"error": f"no {what} {doc_id}"}
                return 200, {key: doc.pop("_id"), **doc}
            if wanted := {name: params[name] for name in filters if params.get(name)}:
                cursor = runtime.database[collection].find(
                    wanted, LISTED, sort=[("updated_at", -1)], limit=LIST_LIMIT
                )
                return 200, [{key: doc.pop("_id"), **doc} async for doc in cursor]
            either = f" (or {' and/or '.join(filters)})" if filters else ""
            return 400, {"error": f"{key} is required{either}"}

        listed = (
            f"; by {' and/or '.join(filters)}: the latest {LIST_LIMIT}, without history or "
            "earlier versions"
            if filters
            else ""
        )
        query.__doc__ = (
            f"``GET /{collection}?{key}=...``: one {what} as stored, without bookkeeping "
            f"fields{listed}."
        )
        return query

    find_order = one(ORDERS, "order_id", "order")

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

    async def origins(order: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The documents the order came from, with their timelines: its quotation or RFQ, or
        the cart a storefront checked out into it."""
        db, found = runtime.database, []
        if quotation_id := order.get("quotation_id"):
            found.append(("quotation", await db[QUOTATIONS].find_one({"_id": quotation_id}, TOLD)))
        if rfq_id := order.get("rfq_id"):
            found.append(("rfq", await db[RFQS].find_one({"_id": rfq_id}, TOLD)))
        if order.get("kind") == "sales" and not found:
            found.append(("cart", await db[CARTS].find_one({"order_id": order["_id"]}, TOLD)))
        return [(kind, doc) for kind, doc in found if doc is not None]

    async def timeline(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /orders/timeline?order_id=...``: every event about the order, the order
        service's own and those other services published (approval, inventory), and those of
        the quotation, RFQ or cart it came from, oldest first; each names who was behind it."""
        if not (order_id := params.get("order_id")):
            return 400, {"error": "order_id is required"}
        doc = await runtime.database[ORDERS].find_one({"_id": order_id}, ORDER_TOLD)
        if doc is None:
            return 404, {"error": f"no order {order_id}"}
        came_from = await origins(doc)
        # Within a millisecond (what the database keeps of a time) entries stay in the order
        # they were recorded, the document the order came from first.
        entries = [
            {**entry, "document": kind, "document_id": source["_id"]}
            for kind, source in [*came_from, ("order", doc)]
            for entry in source.get("timeline", [])
        ]
        entries.sort(key=lambda e: e["at"])
        return 200, {
            "order_id": order_id,
            "status": doc.get("status"),
            "came_from": [{"document": kind, "id": source["_id"]} for kind, source in came_from],
            "timeline": entries,
        }

    return [
        ("/orders", json_query(order, OrderAnswer | list[OrderListed])),
        ("/orders/timeline", json_query(timeline, OrderTimelineAnswer)),
        *configuration_queries(runtime),
        (
            "/quotations",
            json_query(
                one(QUOTATIONS, "quotation_id", "quotation", filters=("customer_id", "status")),
                QuotationAnswer | list[QuotationListed],
            ),
        ),
        (
            "/rfqs",
            json_query(
                one(RFQS, "rfq_id", "RFQ", filters=("status",)), RfqAnswer | list[RfqListed]
            ),
        ),
    ]


def configuration_queries(runtime: Runtime[Any]) -> list[Route]:
    """What prices orders: tax rates, price lists, and each storefront's pricing."""

    async def tax_rates(_params: dict[str, str]) -> tuple[int, Any]:
        """``GET /tax-rates``: every tax rate code with all its versions."""
        cursor = runtime.database[TAX_RATES].find({}, HIDE_BOOKKEEPING, sort=[("_id", 1)])
        return 200, [{"code": doc.pop("_id"), **doc} async for doc in cursor]

    async def price_lists(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /price-lists?price_list_id=...``: one price list with its prices; without
        ``price_list_id``, every list (without its prices)."""
        lists = runtime.database[PRICE_LISTS]
        if not (price_list_id := params.get("price_list_id")):
            cursor = lists.find({}, {**HIDE_BOOKKEEPING, "prices": 0}, sort=[("_id", 1)])
            return 200, [{"price_list_id": doc.pop("_id"), **doc} async for doc in cursor]
        doc = await lists.find_one({"_id": price_list_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"no price list {price_list_id}"}
        return 200, {"price_list_id": doc.pop("_id"), **doc}

    async def storefronts(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /storefronts?storefront_id=...``: how a storefront's carts and orders are priced
        (its price list, and ``unknown_item``); without ``storefront_id``, every storefront."""
        found = runtime.database[STOREFRONTS]
        if not (storefront_id := params.get("storefront_id")):
            cursor = found.find({}, HIDE_BOOKKEEPING, sort=[("_id", 1)])
            return 200, [{"storefront_id": doc.pop("_id"), **doc} async for doc in cursor]
        doc = await found.find_one({"_id": storefront_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"storefront {storefront_id} is not configured"}
        return 200, {"storefront_id": doc.pop("_id"), **doc}

    return [
        ("/tax-rates", json_query(tax_rates, list[TaxRateCodeAnswer])),
        ("/price-lists", json_query(price_lists, PriceListAnswer | list[PriceListListed])),
        ("/storefronts", json_query(storefronts, StorefrontAnswer | list[StorefrontAnswer])),
    ]
