"""The order form as data: an order's every editable field laid out as form fields and read back
into the order service's line and pricing shapes, and the total the order service will compute,
previewed with the same pricing rules before anything is sent. Pure: no I/O.

An edit sends the whole order as the form shows it, so the form must show all of it: a field a
form leaves out is a field an edit clears (tax codes once were). ``LINE_FIELDS`` and
``TERMS_FIELDS`` name every field the contracts have, and a unit test holds them to that."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from shared.contracts import OrderLine, OrderLineInput, PricedDocument, PricingTerms, TaxRate
from shared.pricing import PricingError, in_force, price_document

LINE_FIELDS = ("sku", "quantity", "unit_price", "discount", "tax_codes", "description")
TERMS_FIELDS = ("price_list_id", "discount", "prices_include_tax", "tax_rounding")
BLANK_ROWS = 2
"""Empty line rows under an order's lines, to add a line without a further step."""
MORE_ROWS = 5


class Refused(ValueError):
    """What the person entered cannot be sent or priced; the message says what to change."""


@dataclass(frozen=True)
class Draft:
    """An order as the form sent it: what the order service is asked to keep."""

    lines: list[OrderLineInput]
    terms: PricingTerms
    notes: str

    def line_bodies(self) -> list[dict[str, Any]]:
        return [line.model_dump(mode="json", exclude_none=True) for line in self.lines]


# --- an order as form values ------------------------------------------------------------------


def format_discount(discount: Mapping[str, Any] | None) -> str:
    """``10%`` for a percent, ``5.00`` for an amount, empty for none."""
    if not discount:
        return ""
    value = str(discount["value"])
    return f"{value}%" if discount["kind"] == "percent" else value


def form_values(order: Mapping[str, Any]) -> dict[str, str]:
    """Every field of ``order`` the form edits, as the form's fields hold them."""
    terms = order.get("terms") or {}
    values = {
        "branch_id": str(order.get("branch_id") or ""),
        "currency": str(order.get("currency") or ""),
        "notes": str(order.get("notes") or ""),
        "price_list_id": str(terms.get("price_list_id") or ""),
        "discount": format_discount(terms.get("discount")),
        "prices_include_tax": "on" if terms.get("prices_include_tax") else "",
        "tax_rounding": str(terms.get("tax_rounding") or "document"),
    }
    lines = order.get("lines") or []
    for i, line in enumerate(lines):
        values |= {
            f"sku-{i}": str(line.get("sku") or ""),
            f"quantity-{i}": str(line.get("quantity") or ""),
            f"unit_price-{i}": str(line.get("unit_price") or ""),
            f"discount-{i}": format_discount(line.get("discount")),
            f"tax_codes-{i}": " ".join(line.get("tax_codes") or []),
            f"description-{i}": str(line.get("description") or ""),
        }
    values["rows"] = str(len(lines) + BLANK_ROWS)
    values["seen"] = changed_at(order)
    return values


def changed_at(order: Mapping[str, Any]) -> str:
    """When the order last changed: an edit opened before then would undo that change."""
    return str(order.get("updated_at") or "")


def row_count(values: Mapping[str, str], *, more: bool = False) -> int:
    """How many line rows the form shows: as many as it had, a few more when asked."""
    text = values.get("rows", "")
    rows = int(text) if text.isdigit() else 0
    filled = 1 + max((i for i in range(500) if values.get(f"sku-{i}", "").strip()), default=-1)
    return min(max(rows, filled, 1 + BLANK_ROWS) + (MORE_ROWS if more else 0), 500)


# --- form values back into an order ----------------------------------------------------------


def parse_discount(text: str, where: str) -> dict[str, str] | None:
    """``10%`` (or ``10 %``) is a percent, ``5.00`` an amount; empty is none."""
    text = text.strip()
    if not text:
        return None
    kind = "percent" if text.endswith("%") else "amount"
    value = text.rstrip("%").strip()
    try:
        Decimal(value)
    except InvalidOperation:
        raise Refused(
            f"{where}: write a discount as a percent (10%) or an amount (5.00), not {text!r}."
        ) from None
    return {"kind": kind, "value": value}


def _line(values: Mapping[str, str], i: int) -> OrderLineInput | None:
    def field(name: str) -> str:
        return values.get(f"{name}-{i}", "").strip()

    if not any(field(name) for name in LINE_FIELDS):
        return None
    where = f"Line {i + 1}"
    if not field("sku") or not field("quantity"):
        raise Refused(f"{where}: give the item and the quantity (or empty the whole row).")
    body: dict[str, Any] = {
        "sku": field("sku"),
        "quantity": field("quantity"),
        "tax_codes": field("tax_codes").replace(",", " ").split(),
        "discount": parse_discount(field("discount"), where),
        "description": field("description") or None,
    }
    if field("unit_price"):
        body["unit_price"] = field("unit_price")
    try:
        return OrderLineInput.model_validate(body)
    except ValidationError as error:
        raise Refused(f"{where}: {_words(error)}") from None


def read_form(values: Mapping[str, str]) -> Draft:
    """The order the form describes; :class:`Refused` names the line and field that is wrong."""
    lines = [line for i in range(row_count(values)) if (line := _line(values, i)) is not None]
    if not lines:
        raise Refused("An order needs at least one line: give an item and its quantity.")
    terms_body = {
        "price_list_id": values.get("price_list_id", "").strip() or None,
        "discount": parse_discount(values.get("discount", ""), "Discount on the whole order"),
        "prices_include_tax": values.get("prices_include_tax") == "on",
        "tax_rounding": values.get("tax_rounding") or "document",
    }
    try:
        terms = PricingTerms.model_validate(terms_body)
    except ValidationError as error:
        raise Refused(f"Pricing: {_words(error)}") from None
    return Draft(lines, terms, values.get("notes", "").strip())


def _words(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in error.errors()
    )


# --- the total the order service will compute -------------------------------------------------


def rates_in_force(
    tax_rates: Sequence[Mapping[str, Any]], codes: set[str], at: datetime
) -> dict[str, TaxRate]:
    """Each code's version in force at ``at``, from ``GET /tax-rates`` (a code with none is
    left out, and pricing refuses it by name, as the order service does)."""
    rates = {}
    for stored in tax_rates:
        if stored.get("code") in codes:
            versions = [TaxRate.model_validate(v) for v in stored.get("versions", [])]
            if (rate := in_force(versions, at)) is not None:
                rates[rate.code] = rate
    return rates


def _with_prices(
    draft: Draft, price_list: Mapping[str, Any] | None, currency: str, branch_id: str
) -> list[OrderLine]:
    """Each line with its unit price: the one given, else the price list's, as the order
    service takes them."""
    list_id = draft.terms.price_list_id
    prices: dict[str, Any] = {}
    if list_id is not None:
        if price_list is None:
            raise Refused(f"There is no price list {list_id!r}: choose another, or none.")
        if price_list.get("currency") != currency:
            raise Refused(
                f"Price list {list_id} is in {price_list.get('currency')}, the order in "
                f"{currency}: use a list in {currency}, or give the unit prices."
            )
        if price_list.get("branch_id") not in {None, branch_id}:
            raise Refused(f"Price list {list_id} is for branch {price_list.get('branch_id')}.")
        prices = {p["sku"]: p["unit_price"] for p in price_list.get("prices", [])}
    priced = []
    for line in draft.lines:
        price = line.unit_price if line.unit_price is not None else prices.get(line.sku)
        if price is None:
            source = f"price list {list_id}" if list_id else "no price list is chosen"
            raise Refused(f"Line {line.sku} has no unit price and {source} gives one.")
        priced.append(OrderLine.model_validate({**line.model_dump(), "unit_price": price}))
    return priced


def preview(
    draft: Draft,
    *,
    currency: str,
    branch_id: str,
    tax_rates: Sequence[Mapping[str, Any]],
    price_list: Mapping[str, Any] | None,
    at: datetime,
) -> tuple[list[OrderLine], PricedDocument]:
    """The lines and totals the order service will store for ``draft`` when it is sent at
    ``at``: the same pricing rules, the same tax rate versions, the same price list."""
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise Refused("Give the order's currency (three letters, such as EUR) to see its total.")
    lines = _with_prices(draft, price_list, currency, branch_id)
    codes = {code for line in lines for code in line.tax_codes}
    rates = rates_in_force(tax_rates, codes, at)
    try:
        return lines, price_document(lines, draft.terms, rates, currency=currency)
    except PricingError as error:
        raise Refused(str(error)) from None
