"""``GET /rfqs``: one RFQ, its suppliers, replies and history; or the latest by status. And how
an order's timeline finds the RFQ it came from."""

from __future__ import annotations

from typing import Any

from services.order.common.queries import document_query
from services.order.orders.queries import Origin
from services.order.rfqs.answers import RfqAnswer, RfqListed
from services.order.rfqs.repository import RFQS
from shared.http import Route, json_query
from shared.runtime import Runtime

ORIGIN = Origin(
    "rfq", RFQS, lambda order: {"_id": rfq_id} if (rfq_id := order.get("rfq_id")) else None
)
"""A purchase order made from a chosen reply names its RFQ."""


def rfq_queries(runtime: Runtime[Any]) -> list[Route]:
    query = document_query(runtime, RFQS, "rfq_id", "RFQ", filters=("status",))
    return [("/rfqs", json_query(query, RfqAnswer | list[RfqListed]))]
