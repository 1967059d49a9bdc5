"""Read-only HTTP queries: subscriptions (with their renewals) and invoices."""

from __future__ import annotations

from typing import Any

from services.billing.subscriptions.answers import InvoiceAnswer, SubscriptionAnswer
from services.billing.subscriptions.repository import INVOICES, SUBSCRIPTIONS
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING


def queries(runtime: Runtime[Any]) -> list[Route]:
    def _filter(params: dict[str, str], *names: str) -> dict[str, str]:
        return {name: value for name in names if (value := params.get(name))}

    async def subscriptions(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /subscriptions?customer_id=&subscription_id=&status=``: at most 100, each with
        its latest renewals (order, status, stock, invoice)."""
        query = _filter(params, "customer_id", "status")
        if subscription_id := params.get("subscription_id"):
            query["_id"] = subscription_id
        cursor = runtime.database[SUBSCRIPTIONS].find(query, HIDE_BOOKKEEPING, limit=100)
        return 200, [{"subscription_id": doc.pop("_id"), **doc} async for doc in cursor]

    async def invoices(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /invoices?subscription_id=&customer_id=&status=&series=``: at most 100, in
        number order."""
        query = _filter(params, "subscription_id", "customer_id", "status", "series")
        cursor = runtime.database[INVOICES].find(
            query, HIDE_BOOKKEEPING, sort=[("series", 1), ("number", 1)], limit=100
        )
        return 200, [{"invoice_id": doc.pop("_id"), **doc} async for doc in cursor]

    return [
        ("/subscriptions", json_query(subscriptions, list[SubscriptionAnswer])),
        ("/invoices", json_query(invoices, list[InvoiceAnswer])),
    ]
