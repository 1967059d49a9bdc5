"""Friendly commands for what customers owe: sales invoices and their payments, credit notes
and refunds, a customer's statement, and the aged receivables.

Like omsctl/curated.py: each fills a billing command's body from short arguments and sends it,
or reads a billing query and shows it as a table.
"""

from __future__ import annotations

import uuid
from typing import Any

import click

from omsctl.context import Ctl
from omsctl.curated import listing, parse_line
from omsctl.outcome import Exit, Outcome

AGED_COLUMNS = [
    "customer_id",
    "currency",
    "current",
    "days_1_30",
    "days_31_60",
    "days_61_90",
    "over_90",
    "total",
    "credit",
]


def new_id(prefix: str) -> str:
    """A new reference (``PAY-1a2b...``) for a payment, refund, bill or return not given one."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def show_one(ctl: Ctl, path: str, key: str, value: str) -> dict[str, Any]:
    """One document of a billing query (``/bills`` answers a list even for one id)."""
    ended, body = ctl.query("billing", path, **{key: value})
    if ended:
        ctl.emit(ended)
    found: dict[str, Any] = body[0] if isinstance(body, list) and body else body
    return found


# -- sales invoices ----------------------------------------------------------------------------


@click.group("invoices")
def invoices() -> None:
    """Sales invoices (and subscription invoices): list, show, record a payment, credit."""


@invoices.command("list")
@click.option("--customer", "customer_id", help="The customer's invoices.")
@click.option("--order", "order_id", help="A sales order's invoices.")
@click.option("--status", help="open, settled or in_credit (subscriptions: their statuses).")
@click.option("--subscriptions", is_flag=True, help="Subscription invoices instead.")
@click.pass_obj
def list_invoices(
    ctl: Ctl, *, customer_id: str | None, order_id: str | None, status: str | None,
    subscriptions: bool,
) -> None:  # fmt: skip
    """Invoices, oldest first (sales invoices need --customer or --order)."""
    if subscriptions:
        columns = ["invoice_id", "subscription_id", "customer_id", "status", "total", "currency"]
        listing(ctl, "billing", "/invoices", columns, customer_id=customer_id, status=status)
    if not (customer_id or order_id):
        raise click.UsageError("give --customer or --order (or --subscriptions)")
    columns = ["invoice_id", "order_id", "customer_id", "status", "total", "balance",
               "currency", "issued_at", "due_at"]  # fmt: skip
    listing(ctl, "billing", "/customer-invoices", columns, customer_id=customer_id,
            order_id=order_id, status=status)  # fmt: skip


@invoices.command("show")
@click.argument("invoice_id")
@click.pass_obj
def show_invoice(ctl: Ctl, invoice_id: str) -> None:
    """A sales invoice: its lines, taxes per rate, credit notes, payments and balance."""
    invoice = show_one(ctl, "/customer-invoices", "invoice_id", invoice_id)
    currency = invoice.get("currency")
    text = (
        f"{invoice['invoice_id']}  order {invoice.get('order_id')}  customer "
        f"{invoice.get('customer_id')}  {invoice.get('status')}  total {invoice.get('total')} "
        f"{currency}  balance {invoice.get('balance')}  due {invoice.get('due_at')}"
    )
    keys = ("line", "sku", "quantity", "unit_price", "net", "tax", "total")
    lines = [{k: line.get(k) for k in keys} for line in invoice.get("lines", [])]
    notes = [
        {k: note.get(k) for k in ("credit_note_id", "total", "reason", "issued_at")}
        for note in invoice.get("credit_notes", [])
    ]
    more = [("lines", lines), ("taxes", invoice.get("taxes", [])), ("credit notes", notes),
            ("payments", invoice.get("payments", []))]  # fmt: skip
    ctl.emit(Outcome(Exit.DONE, invoice, text, more=more))


@invoices.command("pay")
@click.argument("invoice_id")
@click.argument("amount")
@click.option("--currency", required=True, help="The invoice's currency (ISO-4217).")
@click.option("--payment-id", help="The bank's reference; default a new one.")
@click.option("--received-at", help="ISO instant; default now.")
@click.pass_obj
def pay_invoice(
    ctl: Ctl, *, invoice_id: str, amount: str, currency: str, payment_id: str | None,
    received_at: str | None,
) -> None:  # fmt: skip
    """Record a customer's payment (partial or full) against a sales invoice."""
    fields = {"invoice_id": invoice_id, "amount": amount, "currency": currency,
              "payment_id": payment_id or new_id("PAY"), "received_at": received_at}  # fmt: skip
    ctl.emit(ctl.command("billing.record_customer_payment", fields))


@invoices.command("credit")
@click.argument("invoice_id")
@click.option("--line", "lines", multiple=True, help="SKU:QUANTITY to credit.")
@click.option("--amount", help="Or an amount to credit (net and taxes in proportion).")
@click.option("--reason", required=True)
@click.pass_obj
def credit_invoice(
    ctl: Ctl, invoice_id: str, lines: tuple[str, ...], amount: str | None, reason: str
) -> None:
    """Issue a credit note on a sales invoice: for lines (--line) or an amount (--amount)."""
    if bool(lines) == bool(amount):
        raise click.UsageError("give either --line (items) or --amount")
    fields: dict[str, Any] = {"invoice_id": invoice_id, "reason": reason}
    if lines:
        fields["lines"] = [parse_line(line, priced=False) for line in lines]
    else:
        fields["amount"] = amount
    ctl.emit(ctl.command("billing.issue_credit_note", fields))


@invoices.command("refund")
@click.argument("invoice_id")
@click.argument("amount")
@click.option("--currency", required=True)
@click.option("--credit-note", "credit_note_id", help="The credit note it pays out.")
@click.option("--refund-id", help="The bank's reference; default a new one.")
@click.pass_obj
def refund_invoice(
    ctl: Ctl, *, invoice_id: str, amount: str, currency: str, credit_note_id: str | None,
    refund_id: str | None,
) -> None:  # fmt: skip
    """Record a refund paid out on a sales invoice in credit."""
    fields = {
        "invoice_id": invoice_id,
        "amount": amount,
        "currency": currency,
        "credit_note_id": credit_note_id,
        "refund_id": refund_id or new_id("REF"),
    }
    ctl.emit(ctl.command("billing.record_refund", fields))


@click.command("statement")
@click.argument("customer_id")
@click.option("--from", "start", help="ISO date: the period's first day.")
@click.option("--to", "end", help="ISO date: its last day (inclusive).")
@click.pass_obj
def statement(ctl: Ctl, customer_id: str, start: str | None, end: str | None) -> None:
    """A customer's statement: per currency, the opening balance, each entry with the running
    balance, and the closing balance."""
    params = {"customer_id": customer_id, "from": start, "to": end}
    ended, body = ctl.query("billing", "/statement", **params)
    if ended:
        ctl.emit(ended)
    rows = [{"currency": account["currency"], **entry}
            for account in body.get("accounts", []) for entry in account["entries"]]  # fmt: skip
    balances = ", ".join(
        f"{a['currency']} {a['opening_balance']} -> {a['closing_balance']}"
        for a in body.get("accounts", [])
    )
    text = f"{customer_id}: {balances or 'nothing on the account'}"
    columns = ["at", "currency", "kind", "document_id", "invoice_id", "amount", "balance"]
    ctl.emit(Outcome(Exit.DONE, body, text, rows=rows), columns=columns)


@click.command("aged-receivables")
@click.option("--as-of", help="ISO date; default today (UTC).")
@click.option("--customer", "customer_id")
@click.pass_obj
def aged_receivables(ctl: Ctl, as_of: str | None, customer_id: str | None) -> None:
    """What customers owe by days past due (current, 1-30, 31-60, 61-90, over 90), per
    customer and currency, then the totals per currency."""
    ended, body = ctl.query("billing", "/aged-receivables", as_of=as_of, customer_id=customer_id)
    if ended:
        ctl.emit(ended)
    totals = [{**row, "customer_id": "(total)"} for row in body.get("totals", [])]
    rows = [*body.get("customers", []), *totals]
    text = f"aged receivables as of {body.get('as_of')}"
    ctl.emit(Outcome(Exit.DONE, body, text, rows=rows), columns=AGED_COLUMNS)


GROUPS = (invoices, statement, aged_receivables)
