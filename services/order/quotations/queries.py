"""``GET /quotations``: one quotation, its lines, totals, earlier versions and history; or the
latest by customer and status. And how an order's timeline finds the quotation it came from."""

from __future__ import annotations

from typing import Any

from services.order.common.queries import document_query
from services.order.orders.queries import Origin
from services.order.quotations.answers import QuotationAnswer, QuotationListed
from services.order.quotations.repository import QUOTATIONS
from shared.http import Route, json_query
from shared.runtime import Runtime

ORIGIN = Origin(
    "quotation",
    QUOTATIONS,
    lambda order: {"_id": quotation_id} if (quotation_id := order.get("quotation_id")) else None,
)
"""A sales order converted from a quotation names it."""


def quotation_queries(runtime: Runtime[Any]) -> list[Route]:
    query = document_query(
        runtime, QUOTATIONS, "quotation_id", "quotation", filters=("customer_id", "status")
    )
    return [("/quotations", json_query(query, QuotationAnswer | list[QuotationListed]))]
