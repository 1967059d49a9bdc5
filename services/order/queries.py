"""Read-only HTTP queries of the order service: an order's, a quotation's or an RFQ's status,
lines and history."""

from __future__ import annotations

from typing import Any

from services.order.repository import ORDERS, QUOTATIONS, RFQS
from shared.http import Query, Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING


def queries(runtime: Runtime[Any]) -> list[Route]:
    def one(collection: str, key: str, what: str) -> Query:
        async def query(params: dict[str, str]) -> tuple[int, Any]:
            if not (doc_id := params.get(key)):
                return 400, {"error": f"{key} is required"}
            doc = await runtime.database[collection].find_one({"_id": doc_id}, HIDE_BOOKKEEPING)
            if doc is None:
                return 404, {"error": f"no {what} {doc_id}"}
            return 200, {key: doc.pop("_id"), **doc}

        query.__doc__ = (
            f"``GET /{collection}?{key}=...``: one {what} as stored, without bookkeeping fields."
        )
        return query

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

    return [
        ("/orders", json_query(one(ORDERS, "order_id", "order"))),
        ("/orders/timeline", json_query(timeline)),
        ("/quotations", json_query(one(QUOTATIONS, "quotation_id", "quotation"))),
        ("/rfqs", json_query(one(RFQS, "rfq_id", "RFQ"))),
    ]
