"""Friendly commands for supplier bills (record, accept or reject when held, pay), returns
(authorize, receive) and the ledger (trial balance, journal and its CSV).

Like omsctl/curated.py: each fills a command's body from short arguments and sends it, or
reads a billing query and shows it as a table.
"""

from __future__ import annotations

from typing import Any

import click

from omsctl.context import Ctl
from omsctl.curated import listing, parse_line
from omsctl.outcome import Exit, Outcome
from omsctl.receivables import new_id, show_one


def parse_bill_line(text: str) -> dict[str, str]:
    """``SKU:QTY:UNIT_PRICE[:TAX]``: a supplier bill's line (the tax in money, default 0)."""
    parts = text.split(":")
    if len(parts) not in (3, 4) or not all(parts):
        msg = f"--line {text!r} is not SKU:QUANTITY:UNIT_PRICE[:TAX]"
        raise click.BadParameter(msg)
    line = {"sku": parts[0], "quantity": parts[1], "unit_price": parts[2]}
    if len(parts) == 4:
        line["tax"] = parts[3]
    return line


# -- supplier bills ----------------------------------------------------------------------------


@click.group("bills")
def bills() -> None:
    """Supplier bills: record against a purchase order, accept or reject when held, pay."""


@bills.command("list")
@click.option("--status", help="open, held, approved, rejected or paid.")
@click.option("--vendor", "vendor_id")
@click.option("--order", "order_id")
@click.pass_obj
def list_bills(ctl: Ctl, status: str | None, vendor_id: str | None, order_id: str | None) -> None:
    """Supplier bills, newest first (at most 100)."""
    columns = ["bill_id", "vendor_id", "vendor_bill_number", "order_id", "status", "total",
               "balance", "currency", "due_date", "variances"]  # fmt: skip

    def shown(bill: dict[str, Any]) -> dict[str, Any]:
        why = "; ".join(
            f"line {v['line']} {v['sku']} {v['kind']}: expected {v['expected']}, "
            f"billed {v['billed']}"
            for v in bill.get("variances", [])
        )
        return {**bill, "variances": why}

    listing(ctl, "billing", "/bills", columns, shown, status=status, vendor_id=vendor_id,
            order_id=order_id)  # fmt: skip


@bills.command("show")
@click.argument("bill_id")
@click.pass_obj
def show_bill(ctl: Ctl, bill_id: str) -> None:
    """A bill: its lines matched to the order and the receipts, variances and payments."""
    bill = show_one(ctl, "/bills", "bill_id", bill_id)
    if not bill:
        ctl.emit(Outcome(Exit.NOT_FOUND, {"error": f"no bill {bill_id}"}, f"no bill {bill_id}"))
    text = (
        f"{bill['bill_id']}  vendor {bill.get('vendor_id')} no. {bill.get('vendor_bill_number')}"
        f"  order {bill.get('order_id')}  {bill.get('status')}  total {bill.get('total')} "
        f"{bill.get('currency')}  balance {bill.get('balance')}  due {bill.get('due_date')}"
    )
    keys = ("line", "sku", "quantity", "unit_price", "order_unit_price", "available", "net",
            "tax", "total")  # fmt: skip
    lines = [{k: line.get(k) for k in keys} for line in bill.get("lines", [])]
    more = [("lines", lines), ("variances", bill.get("variances", [])),
            ("payments", bill.get("payments", []))]  # fmt: skip
    ctl.emit(Outcome(Exit.DONE, bill, text, more=more))


@bills.command("record")
@click.argument("order_id")
@click.option("--vendor", "vendor_id", required=True)
@click.option("--number", "vendor_bill_number", required=True, help="The vendor's bill number.")
@click.option("--currency", required=True)
@click.option("--line", "lines", multiple=True, required=True,
              help="SKU:QUANTITY:UNIT_PRICE[:TAX]")  # fmt: skip
@click.option("--date", "bill_date", required=True, help="The bill's date (YYYY-MM-DD).")
@click.option("--due", "due_date", help="YYYY-MM-DD; default from the payment terms.")
@click.option("--terms", "payment_terms_days", type=int, help="Payment terms in days.")
@click.option("--bill-id", help="OMS's id of the bill; default a new one.")
@click.option("--notes")
@click.pass_obj
def record_bill(
    ctl: Ctl, /, order_id: str, lines: tuple[str, ...], bill_id: str | None, **given: Any
) -> None:
    """Record a supplier's bill against an approved purchase order (matched three ways)."""
    fields = {key: value for key, value in given.items() if value is not None}
    fields |= {"order_id": order_id, "bill_id": bill_id or new_id("BILL"),
               "lines": [parse_bill_line(line) for line in lines]}  # fmt: skip
    ctl.emit(ctl.command("billing.record_bill", fields))


@bills.command("accept")
@click.argument("bill_id")
@click.option("--notes", required=True, help="Why the variances are accepted.")
@click.pass_obj
def accept_bill(ctl: Ctl, bill_id: str, notes: str) -> None:
    """Approve a held bill for payment despite its variances."""
    ctl.emit(ctl.command("billing.accept_bill", {"bill_id": bill_id, "notes": notes}))


@bills.command("reject")
@click.argument("bill_id")
@click.option("--notes", required=True, help="Why it is rejected.")
@click.pass_obj
def reject_bill(ctl: Ctl, bill_id: str, notes: str) -> None:
    """Reject a held bill."""
    ctl.emit(ctl.command("billing.reject_bill", {"bill_id": bill_id, "notes": notes}))


@bills.command("pay")
@click.argument("bill_id")
@click.argument("amount")
@click.option("--currency", required=True)
@click.option("--payment-id", help="The bank's or payment run's reference; default a new one.")
@click.option("--paid-at", help="ISO instant; default now.")
@click.pass_obj
def pay_bill(
    ctl: Ctl, *, bill_id: str, amount: str, currency: str, payment_id: str | None,
    paid_at: str | None,
) -> None:  # fmt: skip
    """Record a payment to the vendor against an approved bill."""
    fields = {"bill_id": bill_id, "amount": amount, "currency": currency,
              "payment_id": payment_id or new_id("VPAY"), "paid_at": paid_at}  # fmt: skip
    ctl.emit(ctl.command("billing.record_vendor_payment", fields))


# -- returns -----------------------------------------------------------------------------------


@click.group("returns")
def returns() -> None:
    """Returns against issued sales orders: authorize, then receive the goods back."""


@returns.command("authorize")
@click.argument("order_id")
@click.option("--line", "lines", multiple=True, required=True, help="SKU:QUANTITY")
@click.option("--reason", required=True,
              type=click.Choice(["unwanted", "wrong_item", "damaged", "defective"]))  # fmt: skip
@click.option("--notes", default="")
@click.option("--return-id", help="The RMA number; default a new one.")
@click.pass_obj
def authorize_return(
    ctl: Ctl, *, order_id: str, lines: tuple[str, ...], reason: str, notes: str,
    return_id: str | None,
) -> None:  # fmt: skip
    """Authorize goods to come back (never more than issued less already returned)."""
    fields = {
        "return_id": return_id or new_id("RMA"),
        "order_id": order_id,
        "reason": reason,
        "notes": notes,
        "lines": [parse_line(line, priced=False) for line in lines],
    }
    ctl.emit(ctl.command("inventory.authorize_return", fields))


@returns.command("receive")
@click.argument("order_id")
@click.argument("return_id")
@click.option("--location", required=True, help="Where the goods are put (stock or quarantine).")
@click.pass_obj
def receive_return(ctl: Ctl, order_id: str, return_id: str, location: str) -> None:
    """Receive an authorized return's goods."""
    fields = {"return_id": return_id, "order_id": order_id, "location_id": location}
    ctl.emit(ctl.command("inventory.receive_return", fields))


# -- ledger ------------------------------------------------------------------------------------


@click.group("ledger")
def ledger() -> None:
    """The journal postings: trial balance and journal for a period."""


@ledger.command("trial-balance")
@click.option("--from", "start", help="ISO date.")
@click.option("--to", "end", help="ISO date (inclusive).")
@click.pass_obj
def trial_balance(ctl: Ctl, start: str | None, end: str | None) -> None:
    """Every account's debits, credits and balance per currency (each sums to zero)."""
    ended, body = ctl.query("billing", "/trial-balance", **{"from": start, "to": end})
    if ended:
        ctl.emit(ended)
    rows = [{"currency": c.get("currency"), **account}
            for c in body.get("currencies", []) for account in c.get("accounts", [])]  # fmt: skip
    sums = ", ".join(f"{c['currency']} {c.get('balance')}" for c in body.get("currencies", []))
    text = f"trial balance of {body.get('entries')} entries: {sums or 'nothing posted'}"
    columns = ["currency", "account", "debit", "credit", "balance"]
    ctl.emit(Outcome(Exit.DONE, body, text, rows=rows), columns=columns)


@ledger.command("journal")
@click.option("--from", "start", help="ISO date.")
@click.option("--to", "end", help="ISO date (inclusive).")
@click.option("--account")
@click.option("--document", "document_id")
@click.option("--order", "order_id")
@click.option("--csv", "as_csv", is_flag=True, help="The accountant's CSV export instead.")
@click.pass_obj
def journal(ctl: Ctl, /, start: str | None, end: str | None, as_csv: bool, **filters: Any) -> None:
    """Journal entries dated in the period (or their CSV export with --csv)."""
    period = {"from": start, "to": end}
    if as_csv:
        ended, text = ctl.query("billing", "/journal.csv", **period)
        if ended:
            ctl.emit(ended)
        click.echo(text, nl=False)
        ctl.emit(Outcome(Exit.DONE, {"csv": text}))
    ended, body = ctl.query("billing", "/journal", **period, **filters)
    if ended:
        ctl.emit(ended)
    entries = list(body or [])
    rows = [{k: line.get(k) for k in ("account", "debit", "credit")}
            | {"entry_id": e.get("entry_id"), "date": e.get("document_date"),
               "document_id": e.get("document_id"), "currency": e.get("currency")}
            for e in entries for line in e.get("lines", [])]  # fmt: skip
    columns = ["entry_id", "date", "document_id", "currency", "account", "debit", "credit"]
    ctl.emit(Outcome(Exit.DONE, body, rows=rows), columns=columns)


GROUPS = (bills, returns, ledger)
