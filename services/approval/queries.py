"""Read-only HTTP queries: approval requests, cycles and the user directory."""

from __future__ import annotations

from typing import Any

from services.approval.answers import (
    ApprovalRequestAnswer,
    CreditSettingsAnswer,
    CustomerCreditAnswer,
    CycleAnswer,
    RoutingPreview,
    UserAnswer,
)
from services.approval.preview import RoutingPreviewQuery
from services.approval.repository import ASSIGNMENTS, CYCLES, REQUESTS, SETTINGS, USERS
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING


def queries(runtime: Runtime[Any]) -> list[Route]:
    async def listing(collection: str, query: dict[str, Any], sort: str) -> list[dict[str, Any]]:
        cursor = runtime.database[collection].find(
            query, HIDE_BOOKKEEPING, sort=[(sort, -1)], limit=200
        )
        return [{"id": doc.pop("_id"), **doc} async for doc in cursor]

    async def requests(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /requests?order_id=..`` or ``?approver_id=..&status=pending`` or
        ``?request_id=..``: an approver's inbox, every attempt of an order with its decisions
        (and its over-receipt requests), or one request; ``&subject=order|over_receipt``
        narrows to one kind."""
        query: dict[str, Any] = {}
        if request_id := params.get("request_id"):
            query["_id"] = request_id
        if order_id := params.get("order_id"):
            query["order_id"] = order_id
        if approver_id := params.get("approver_id"):
            query["approver.user_id"] = approver_id
        if status := params.get("status"):
            query["status"] = status
        if not query:
            return 400, {"error": "give order_id, approver_id, status or request_id"}
        if subject := params.get("subject"):
            query["subject"] = subject if subject != "order" else {"$ne": "over_receipt"}
        return 200, await listing(REQUESTS, query, "opened_at")

    async def cycles(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /cycles``: every cycle with its parties (``?cycle_id=``: that one only)."""
        query = {"_id": params["cycle_id"]} if params.get("cycle_id") else {}
        found = await listing(CYCLES, query, "updated_at")
        for cycle in found:
            parties = runtime.database[ASSIGNMENTS].find({"cycle_id": cycle["id"]}, {"party_id": 1})
            cycle["parties"] = sorted([doc["party_id"] async for doc in parties])
        return 200, found

    async def users(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /users``: the approval directory (``?user_id=``: that user only)."""
        query = {"_id": params["user_id"]} if params.get("user_id") else {}
        return 200, await listing(USERS, query, "updated_at")

    preview = RoutingPreviewQuery(runtime)

    async def customer_credit(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /customer-credit?customer_id=..``: the credit limit and open exposure approval
        holds for a customer (``[]`` when it holds no record of them)."""
        if not (customer_id := params.get("customer_id")):
            return 400, {"error": "give customer_id"}
        return 200, await preview.customer_credit(customer_id)

    async def credit_settings(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /credit-settings``: the approval-wide credit approver."""
        found = await listing(SETTINGS, {}, "revision")
        return 200, found[0] if found else {}

    return [
        ("/routing-preview", json_query(preview.answer, RoutingPreview)),
        ("/customer-credit", json_query(customer_credit, list[CustomerCreditAnswer])),
        ("/credit-settings", json_query(credit_settings, CreditSettingsAnswer)),
        ("/requests", json_query(requests, list[ApprovalRequestAnswer])),
        ("/cycles", json_query(cycles, list[CycleAnswer])),
        ("/users", json_query(users, list[UserAnswer])),
    ]
