"""The preview before submit, put together from three services' queries, as the back office
and omsctl both show it: the order's taxes and totals (the order service), the stock it would
reserve (inventory's ``/reservation-preview``, sales orders only) and who would approve it
(approval's ``/routing-preview``). Pure: the callers read the queries; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shared.contracts import round_money
from shared.contracts.statuses import EDITABLE

Document = Mapping[str, Any]


def previewable(order: Document) -> bool:
    """Only an order that can still be submitted: a draft, or a rejected order."""
    return order.get("status") in EDITABLE


def total(order: Document) -> Decimal:
    """What a submission would carry as its total: the grand total (an order stored before
    pricing: its lines' amounts, rounded once)."""
    if pricing := order.get("pricing"):
        return Decimal(str(pricing["grand_total"]))
    amounts = (Decimal(str(x["quantity"])) * Decimal(str(x["unit_price"])) for x in order["lines"])
    return round_money(sum(amounts, Decimal(0)))


def routing_params(order: Document) -> dict[str, str]:
    """The parameters of approval's ``/routing-preview`` for ``order``."""
    return {
        "kind": order["kind"],
        "party_id": order["party_id"],
        "created_by": order["created_by"],
        "total": format(total(order), "f"),
        "currency": order["currency"],
        "branch_id": order["branch_id"],
        "order_id": order["order_id"],
    }


def reservation_params(order: Document) -> dict[str, str] | None:
    """The parameters of inventory's ``/reservation-preview`` (None: a purchase order holds no
    stock)."""
    if order["kind"] != "sales":
        return None
    lines = ",".join(f"{line['sku']}:{line['quantity']}" for line in order["lines"])
    return {"branch_id": order["branch_id"], "lines": lines, "order_id": order["order_id"]}


def delegated_from(routing: Document) -> list[str]:
    """The away approvers the routing names (whose names the preview shows)."""
    return [level["delegated_from"] for level in routing["levels"] if level.get("delegated_from")]


def compose(
    order: Document,
    stock: Document | None,
    routing: Document,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The preview: the order's facts, lines, taxes per rate and totals; the stock per item
    (null for a purchase order); each approval level (``delegated_from_name`` added: the
    away approver's name, from ``names``) and the credit check."""
    pricing = order.get("pricing") or {}
    priced = pricing.get("lines") or [{} for _ in order["lines"]]
    levels = [
        {**level, "delegated_from_name": (names or {}).get(level.get("delegated_from") or "")}
        for level in routing["levels"]
    ]
    return {
        **{key: order.get(key) for key in ("order_id", "kind", "status", "party_id")},
        **{key: order.get(key) for key in ("branch_id", "created_by", "currency", "version")},
        "lines": [
            {
                "sku": line["sku"],
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "net": values.get("net"),
                "tax": values.get("tax"),
                "total": values.get("total"),
            }
            for line, values in zip(order["lines"], priced, strict=False)
        ],
        "taxes": pricing.get("taxes", []),
        "net_total": pricing.get("net_total"),
        "tax_total": pricing.get("tax_total"),
        "total": format(total(order), "f"),
        "stock": stock,
        "approval": {**routing, "levels": levels},
    }
