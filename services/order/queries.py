"""Read-only HTTP queries of the order service: an order's status, lines and history."""

from __future__ import annotations

from typing import Any

from services.order.repository import ORDERS
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING


def queries(runtime: Runtime[Any]) -> list[Route]:
    async def order(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /orders?order_id=...``: one order as stored, without bookkeeping fields."""
        if not (order_id := params.get("order_id")):
            return 400, {"error": "order_id is required"}
        doc = await runtime.database[ORDERS].find_one({"_id": order_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"no order {order_id}"}
        return 200, {"order_id": doc.pop("_id"), **doc}

    async def timeline(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /orders/timeline?order_id=...``: every event about the order, the order
        service's own and those other services published (approval, inventory), oldest first."""
        if not (order_id := params.get("order_id")):
            return 400, {"error": "order_id is required"}
        doc = await runtime.database[ORDERS].find_one(
            {"_id": order_id}, {"timeline": 1, "status": 1}
        )
        if doc is None:
            return 404, {"error": f"no order {order_id}"}
        entries = sorted(doc.get("timeline", []), key=lambda e: (e["at"], e["event"]))
        return 200, {"order_id": order_id, "status": doc.get("status"), "timeline": entries}

    return [("/orders", json_query(order)), ("/orders/timeline", json_query(timeline))]
