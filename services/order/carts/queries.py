"""Read-only HTTP queries about carts: one cart, carts by storefront, customer, value and idle
time (with which items are in stock), and the recovery figures per storefront. And how an
order's timeline finds the cart it was checked out from."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from services.order.carts.answers import CartAnswer, CartListed, CartRecoveryAnswer
from services.order.carts.domain.cart import Cart, CartStatus
from services.order.carts.domain.recovery import CartFigures, figures
from services.order.carts.recovery import in_stock
from services.order.carts.repository import CARTS
from services.order.orders.queries import Origin
from services.order.stock.repository import StockLevels
from shared.contracts import utcnow
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING

LIMIT = 200
LOG = {"settled": 0, "pending": 0}
"""The cart's own bookkeeping of its events, not shown."""

ORIGIN = Origin(
    "cart",
    CARTS,
    lambda order: {"order_id": order["_id"]} if order.get("kind") == "sales" else None,
)
"""A sales order a storefront's checkout made is named on its cart (an order's timeline asks the
cart last: any sales order could be a checkout's)."""


def cart_queries(runtime: Runtime[Any]) -> list[Route]:
    stock: list[StockLevels] = []

    def levels() -> StockLevels:
        if not stock:
            stock.append(StockLevels(runtime.database))
        return stock[0]

    async def carts(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /carts``: ``cart_id=`` one cart with its items' stock; else active carts
        filtered by ``storefront_id``, ``customer_id``, ``min_value``, ``idle_minutes`` (idle
        at least so long), ``status`` (default ``open``), the longest idle first."""
        try:
            query = _filter(params)
        except (InvalidOperation, ValueError) as error:
            return 400, {"error": f"bad filter: {error}"}
        if isinstance(query, str):
            return await one(query)
        collection = runtime.database[CARTS]
        cursor = collection.find(
            query,
            {**HIDE_BOOKKEEPING, **LOG, "timeline": 0},  # one cart's query shows its timeline
            sort=[("last_activity_at", 1)],
            limit=LIMIT,
        )
        return 200, [_shown(doc) async for doc in cursor]

    async def one(cart_id: str) -> tuple[int, Any]:
        doc = await runtime.database[CARTS].find_one({"_id": cart_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"no cart {cart_id}"}
        cart = Cart.model_validate({**doc, "id": doc["_id"]})
        shown = _shown({k: v for k, v in doc.items() if k not in LOG})
        shown["in_stock"] = await in_stock(levels(), cart)
        shown["missing_sequences"] = cart.missing_sequences
        shown["event_count"] = cart.event_count
        return 200, shown

    async def recovery(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /carts/recovery?storefront_id=...``: carts abandoned and recovered, the
        recovery rate, and per reminder step the carts recovered and their revenue."""
        if not (storefront_id := params.get("storefront_id")):
            return 400, {"error": "storefront_id is required"}
        cursor = runtime.database[CARTS].find(
            {"storefront_id": storefront_id, "recovery.abandoned_at": {"$ne": None}},
            {"recovery": 1, "value": 1},
        )
        found = figures(
            storefront_id,
            [
                CartFigures(
                    abandoned=True,
                    recovered_after_step=doc["recovery"].get("recovered_after_step"),
                    revenue=doc.get("value") or Decimal(0),
                )
                async for doc in cursor
            ],
        )
        steps = sorted(found.recovered_by_step)
        return 200, {
            "storefront_id": storefront_id,
            "abandoned": found.abandoned,
            "recovered": found.recovered,
            "recovery_rate": str(found.recovery_rate),
            "steps": [
                {
                    "step": step,
                    "recovered": found.recovered_by_step[step],
                    "revenue": str(found.revenue_by_step[step]),
                }
                for step in steps
            ],
        }

    return [
        ("/carts", json_query(carts, CartAnswer | list[CartListed])),
        ("/carts/recovery", json_query(recovery, CartRecoveryAnswer)),
    ]


def _filter(params: dict[str, str]) -> dict[str, Any] | str:
    if cart_id := params.get("cart_id"):
        return cart_id
    query: dict[str, Any] = {"status": params.get("status", CartStatus.OPEN.value)}
    for name in ("storefront_id", "customer_id"):
        if value := params.get(name):
            query[name] = value
    if min_value := params.get("min_value"):
        query["value"] = {"$gte": Decimal(min_value)}
    if idle := params.get("idle_minutes"):
        query["last_activity_at"] = {"$lte": utcnow() - timedelta(minutes=float(idle))}
    return query


def _shown(doc: dict[str, Any]) -> dict[str, Any]:
    return {"cart_id": doc.pop("_id"), **doc}
