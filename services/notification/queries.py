"""Read-only HTTP queries: which e-mails were sent, are waiting, or failed for good."""

from __future__ import annotations

from typing import Any

from services.notification.answers import EmailAnswer
from services.notification.domain import EmailStatus
from services.notification.repository import EMAILS
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING

FIELDS = {**HIDE_BOOKKEEPING, "body": 0}


def queries(runtime: Runtime[Any]) -> list[Route]:
    async def emails(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /emails?status=failed&order_id=...``: e-mails, newest first (at most 100)."""
        query: dict[str, Any] = {}
        if status := params.get("status"):
            if status not in set(EmailStatus):
                return 400, {"error": f"status must be one of {[s.value for s in EmailStatus]}"}
            query["status"] = status
        if order_id := params.get("order_id"):
            query["order_id"] = order_id
        cursor = runtime.database[EMAILS].find(query, FIELDS, sort=[("created_at", -1)], limit=100)
        return 200, [{"email_id": doc.pop("_id"), **doc} async for doc in cursor]

    return [("/emails", json_query(emails, list[EmailAnswer]))]
