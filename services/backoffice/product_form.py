"""The product form: a product record as the form shows it, and the form as inventory.define_item.

The form carries the version it was opened on (``expected_version``): saving a record someone
changed meanwhile is refused (stale_record) instead of overwriting their change. A new product
is sent without it (a taken sku is refused, item_exists).
"""

from __future__ import annotations

from typing import Any

from shared.contracts import DefineItem, ProductStatus

FIELDS = ("sku", "name", "description", "unit_of_measure", "decimal_places", "product_group")


def product_values(stored: dict[str, Any] | None) -> dict[str, str]:
    """What the form shows: the stored record, or an empty new product."""
    stored = stored or {}
    values = {name: "" if stored.get(name) is None else str(stored[name]) for name in FIELDS}
    values["tax_codes"] = ", ".join(stored.get("tax_codes") or [])
    values["status"] = str(stored.get("status") or ProductStatus.ACTIVE.value)
    values["expected_version"] = str(stored.get("version") or 0) if stored else ""
    values.setdefault("decimal_places", "0")
    values["decimal_places"] = values["decimal_places"] or "0"
    return values


def product_command(sent: dict[str, str]) -> DefineItem:
    """The form as the command (pydantic refuses what is not valid, naming the field)."""
    text = {name: sent.get(name, "").strip() for name in (*FIELDS, "expected_version")}
    codes = [code.strip() for code in sent.get("tax_codes", "").split(",") if code.strip()]
    fields: dict[str, Any] = {
        "sku": text["sku"],
        "name": text["name"],
        "unit_of_measure": text["unit_of_measure"],
        "decimal_places": text["decimal_places"] or "0",
        "description": text["description"] or None,
        "tax_codes": codes,
        "status": sent.get("status") or ProductStatus.ACTIVE.value,
        "product_group": text["product_group"] or None,
    }
    if text["expected_version"]:
        fields["expected_version"] = text["expected_version"]
    return DefineItem(**fields)
