"""``GET /work-orders?work_order_id=``: one work order, its status, issues, completions,
receipts and history."""

from __future__ import annotations

from typing import Any

from services.order.work_orders.answers import WorkOrderAnswer
from services.order.work_orders.repository import WORK_ORDERS
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING


def work_order_queries(runtime: Runtime[Any]) -> list[Route]:
    async def work_order(params: dict[str, str]) -> tuple[int, Any]:
        if not (work_order_id := params.get("work_order_id")):
            return 400, {"error": "work_order_id is required"}
        doc = await runtime.database[WORK_ORDERS].find_one({"_id": work_order_id}, HIDE_BOOKKEEPING)
        if doc is None:
            return 404, {"error": f"no work order {work_order_id}"}
        return 200, {"work_order_id": doc.pop("_id"), **doc}

    return [("/work-orders", json_query(work_order, WorkOrderAnswer))]
