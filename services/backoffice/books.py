"""What the invoice, statement, aged receivables, bill and return pages show and accept: pure
rules, no I/O (the amounts are the billing service's; nothing here recomputes them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from services.backoffice.domain import Viewer
from services.backoffice.reports import Report

BUCKETS = {
    "current": "current",
    "days_1_30": "1-30 days",
    "days_31_60": "31-60 days",
    "days_61_90": "61-90 days",
    "over_90": "over 90 days",
}
"""The aged receivables' buckets, youngest first, and how the page names them."""
TOTAL = "(all customers)"
RETURN_REASONS = {
    "unwanted": "unwanted (back into stock)",
    "wrong_item": "wrong item (back into stock)",
    "damaged": "damaged (into quarantine)",
    "defective": "defective (into quarantine)",
}


class BadInput(ValueError):
    """What a person typed cannot be used; the message names the field."""


def aged_report(answer: Mapping[str, Any]) -> Report:
    """The aged receivables as a report: one row per customer and currency, then the total of
    each currency; a bar per bucket, one chart per currency."""
    columns = ["customer", "currency", *BUCKETS.values(), "total", "credit"]
    rows: list[Sequence[Any]] = [
        [row.get("customer_id") or TOTAL, row["currency"],
         *(Decimal(str(row[key])) for key in BUCKETS), Decimal(str(row["total"])),
         Decimal(str(row["credit"]))]
        for row in [*answer.get("customers", []), *answer.get("totals", [])]
    ]  # fmt: skip
    money = list(range(2, len(columns)))
    return Report(
        name="aged-receivables",
        title="Aged receivables",
        columns=columns,
        rows=rows,
        value_columns=list(range(2, 2 + len(BUCKETS))),
        numbers=money,
        currency_column=1,
        money_columns=money,
        note=f"What customers owe at the end of {answer.get('as_of')} (UTC) on their sales "
        "invoices, by days past the due date; a credit (owed to the customer) is shown apart, "
        "never netted.",
        empty="No sales invoice has a balance on this day.",
    )


def day(text: str, field: str) -> str:
    """An ISO date typed in a filter, or ``""``; ``BadInput`` naming the field otherwise."""
    text = text.strip()
    if text:
        try:
            date.fromisoformat(text)
        except ValueError as error:
            raise BadInput(f"{field}: {text!r} is not a date (YYYY-MM-DD).") from error
    return text


def period(params: Mapping[str, str]) -> dict[str, str]:
    """``from`` and ``to`` of a period filter, checked (either may be empty)."""
    found = {key: day(params.get(key, ""), key) for key in ("from", "to")}
    if found["from"] and found["to"] and found["from"] > found["to"]:
        raise BadInput(f"from: {found['from']} is after to ({found['to']}).")
    return found


def amount(text: str, field: str = "amount") -> str:
    """A positive decimal as typed (the service checks its currency's decimals)."""
    text = text.strip().replace(" ", "")
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise BadInput(f"{field}: {text!r} is not an amount (like 120.50).") from error
    if not value.is_finite() or value <= 0:
        raise BadInput(f"{field}: give an amount above 0.")
    return text


def item_lines(text: str) -> list[dict[str, str]]:
    """Items typed one per line as ``sku quantity`` (commas allowed); none is fine."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.replace(",", " ").split()
        if not parts:
            continue
        if len(parts) != 2:
            raise BadInput(f"Line {number}: write the item and the quantity.")
        lines.append({"sku": parts[0], "quantity": parts[1]})
    return lines


def credit_fields(sent: Mapping[str, str]) -> dict[str, Any]:
    """A credit note's lines or amount (exactly one) and its reason, from the invoice form."""
    lines = item_lines(sent.get("lines", ""))
    typed = sent.get("amount", "").strip()
    if bool(lines) == bool(typed):
        raise BadInput("Credit either items (one per line) or an amount, not both.")
    if not sent.get("reason", "").strip():
        raise BadInput("reason: say why the credit is given.")
    found: dict[str, Any] = {"reason": sent["reason"].strip()}
    return found | ({"lines": lines} if lines else {"amount": amount(typed)})


def taxes_per_rate(invoice: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The invoice's taxes per rate as billing gives them (code, rate, base, tax)."""
    return [dict(tax) for tax in invoice.get("taxes", [])]


def goods_issued(order: Mapping[str, Any]) -> bool:
    """A sales order some goods were issued against (they may come back)."""
    lines = order.get("fulfilment") or []
    return order.get("kind") == "sales" and any(Decimal(str(f.get("fulfilled", 0))) > 0
                                                for f in lines)  # fmt: skip


def may_authorize_return(order: Mapping[str, Any], viewer: Viewer) -> bool:
    """A sales order's creator (or an admin), once goods were issued against it."""
    mine = order.get("created_by") == viewer.user_id or viewer.admin
    return mine and goods_issued(order)


def held_reasons(bill: Mapping[str, Any]) -> list[str]:
    """Why a bill is held, one sentence per variance: the line, expected and billed."""
    words = {"price_variance": "unit price", "quantity_variance": "quantity"}
    return [
        f"Line {v['line']} ({v['sku']}): {words.get(v['kind'], v['kind'])} billed "
        f"{v['billed']}, expected {v['expected']} (allowed {v['allowed']})"
        for v in bill.get("variances", [])
    ]
