"""Friendly commands for the everyday work: orders, approvals, cycles, stock and e-mails.

Each one fills a command's body from short arguments and sends it like ``omsctl send`` does,
or reads a service's HTTP query and shows it as a table.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import click

from omsctl.context import Ctl
from omsctl.outcome import Exit, Outcome
from omsctl.preview import preview_order
from shared.contracts import OrderStatus


def parse_line(text: str, *, priced: bool) -> dict[str, str]:
    """``SKU:QTY`` or, for an order, ``SKU:QTY:UNIT_PRICE`` (the price may come from a list)."""
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > (3 if priced else 2) or not all(parts):
        shape = "SKU:QUANTITY[:UNIT_PRICE]" if priced else "SKU:QUANTITY"
        msg = f"--line {text!r} is not {shape}"
        raise click.BadParameter(msg)
    line = {"sku": parts[0], "quantity": parts[1]}
    if len(parts) == 3:
        line["unit_price"] = parts[2]
    return line


def listing(
    ctl: Ctl,
    service: str,
    path: str,
    columns: list[str],
    shown: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    **params: Any,
) -> None:
    """A query's rows as a table (``shown`` makes a row readable; --json prints them as is)."""
    ended, body = ctl.query(service, path, **params)
    if ended:
        ctl.emit(ended)
    rows = body if isinstance(body, list) else [body]
    rows = [shown(row) for row in rows] if shown else rows
    ctl.emit(Outcome(Exit.DONE, body, rows=rows), columns=columns)


# -- orders ------------------------------------------------------------------------------------


@click.group("orders")
def orders() -> None:
    """Purchase and sales orders: create, preview, submit, cancel, close short, show, list,
    timeline."""


@orders.command("create")
@click.argument("order_id")
@click.option("--vendor", help="A purchase order from this vendor.")
@click.option("--customer", help="A sales order for this customer.")
@click.option(
    "--branch", help="The branch that orders or sells; left out: the customer's or vendor's."
)
@click.option("--currency", help="ISO-4217, e.g. USD; left out: the customer's or vendor's.")
@click.option("--line", "lines", multiple=True, required=True, help="SKU:QUANTITY[:UNIT_PRICE]")
@click.option("--price-list", help="Price the lines without a unit price from this list.")
@click.option("--notes")
@click.pass_obj
def create_order(
    ctl: Ctl,
    *,
    order_id: str,
    vendor: str | None,
    customer: str | None,
    branch: str | None,
    currency: str | None,
    lines: tuple[str, ...],
    price_list: str | None,
    notes: str | None,
) -> None:
    """Create a draft purchase order (--vendor) or sales order (--customer)."""
    if bool(vendor) == bool(customer):
        raise click.UsageError("give either --vendor (purchase order) or --customer (sales order)")
    fields: dict[str, Any] = {
        "order_id": order_id,
        "notes": notes,
        "lines": [parse_line(line, priced=True) for line in lines],
    }
    fields |= {"branch_id": branch} if branch else {}
    fields |= {"currency": currency} if currency else {}
    if price_list:
        fields["pricing"] = {"price_list_id": price_list}
    if vendor:
        ctl.emit(ctl.command("order.create_purchase_order", {**fields, "vendor_id": vendor}))
    ctl.emit(ctl.command("order.create_sales_order", {**fields, "customer_id": customer}))


@orders.command("submit")
@click.argument("order_id")
@click.pass_obj
def submit_order(ctl: Ctl, order_id: str) -> None:
    """Submit a draft (or rejected and edited) order into its approval cycle."""
    ctl.emit(ctl.command("order.submit", {"order_id": order_id}))


@orders.command("cancel")
@click.argument("order_id")
@click.option("--reason")
@click.pass_obj
def cancel_order(ctl: Ctl, order_id: str, reason: str | None) -> None:
    """Cancel an order before anything was received or issued."""
    ctl.emit(ctl.command("order.cancel", {"order_id": order_id, "reason": reason}))


@orders.command("close-short")
@click.argument("order_id")
@click.option("--reason", required=True, help="Why the rest will not be fulfilled.")
@click.pass_obj
def close_short(ctl: Ctl, order_id: str, reason: str) -> None:
    """Complete an approved order that will not be fulfilled in full."""
    ctl.emit(ctl.command("order.close_short", {"order_id": order_id, "reason": reason}))


@orders.command("show")
@click.argument("order_id")
@click.pass_obj
def show_order(ctl: Ctl, order_id: str) -> None:
    """An order: status, party, lines, totals and its status history."""
    ended, order = ctl.query("order", "/orders", order_id=order_id)
    if ended:
        ctl.emit(ended)
    party = order.get("party_id")
    total = (order.get("pricing") or {}).get("grand_total")
    text = (
        f"{order['order_id']}  {order.get('kind')} order  {order.get('status')}  "
        f"party {party}  branch {order.get('branch_id')}  total {total} "
        f"{order.get('currency')}"
    )
    lines = [
        {key: line.get(key) for key in ("sku", "quantity", "unit_price", "description")}
        for line in order.get("lines", [])
    ]
    history = [
        {key: entry.get(key) for key in ("at", "status", "by", "level", "note")}
        for entry in order.get("history", [])
    ]
    more = [("lines", lines), ("history", history)]
    ctl.emit(Outcome(Exit.DONE, order, text, more=more))


@orders.command("list")
@click.option("--status", help=f"One of: {', '.join(OrderStatus)}.")
@click.option("--kind", type=click.Choice(["purchase", "sales"]))
@click.option("--branch", "branch_id")
@click.option("--party", "party_id", help="Vendor or customer.")
@click.option("--created-by")
@click.option("--limit", type=int, default=50, show_default=True)
@click.pass_obj
def list_orders(ctl: Ctl, /, **filters: Any) -> None:
    """Orders, newest first."""
    columns = [
        "order_id",
        "kind",
        "status",
        "party_id",
        "branch_id",
        "total",
        "currency",
        "created_by",
        "updated_at",
    ]
    listing(ctl, "order", "/orders", columns, **filters)


@orders.command("timeline")
@click.argument("order_id")
@click.pass_obj
def timeline(ctl: Ctl, order_id: str) -> None:
    """Every event about an order, from every service, oldest first, with the quotation, RFQ
    or cart it came from, and who was behind each."""
    ended, body = ctl.query("order", "/orders/timeline", order_id=order_id)
    if ended:
        ctl.emit(ended)
    came_from = ", ".join(f"{d['document']} {d['id']}" for d in body.get("came_from", []))
    text = f"{order_id}: {body.get('status')}" + (f" (from {came_from})" if came_from else "")
    ctl.emit(
        Outcome(Exit.DONE, body, text, rows=body.get("timeline", [])),
        columns=["at", "document", "service", "event", "by", "summary"],
    )


# -- inventory and e-mails ---------------------------------------------------------------------


@click.group("inventory")
def inventory() -> None:
    """Stock: receive against an approved purchase order, issue against a sales order."""


def _movement(
    ctl: Ctl,
    *,
    verb: str,
    key: str,
    order_id: str,
    location: str,
    lines: tuple[str, ...],
    movement_id: str | None,
) -> None:
    ctl.emit(
        ctl.command(
            f"inventory.{verb}",
            {
                key: movement_id or f"{order_id}-{uuid.uuid4().hex[:8]}",
                "order_id": order_id,
                "location_id": location,
                "lines": [parse_line(line, priced=False) for line in lines],
            },
        )
    )


@inventory.command("receive")
@click.argument("order_id")
@click.option("--location", required=True)
@click.option("--line", "lines", multiple=True, required=True, help="SKU:QUANTITY")
@click.option("--receipt-id", help="Default: a new one (give it to send a receipt again).")
@click.pass_obj
def receive(
    ctl: Ctl, order_id: str, location: str, lines: tuple[str, ...], receipt_id: str | None
) -> None:
    """Receive goods against an approved purchase order."""
    _movement(
        ctl,
        verb="receive_goods",
        key="receipt_id",
        order_id=order_id,
        location=location,
        lines=lines,
        movement_id=receipt_id,
    )


@inventory.command("issue")
@click.argument("order_id")
@click.option("--location", required=True)
@click.option("--line", "lines", multiple=True, required=True, help="SKU:QUANTITY")
@click.option("--issue-id", help="Default: a new one (give it to send an issue again).")
@click.pass_obj
def issue(
    ctl: Ctl, order_id: str, location: str, lines: tuple[str, ...], issue_id: str | None
) -> None:
    """Issue goods against an approved sales order."""
    _movement(
        ctl,
        verb="issue_goods",
        key="issue_id",
        order_id=order_id,
        location=location,
        lines=lines,
        movement_id=issue_id,
    )


@inventory.command("stock")
@click.option("--sku")
@click.option("--location", "location_id")
@click.option("--branch", "branch_id")
@click.pass_obj
def stock(ctl: Ctl, sku: str | None, location_id: str | None, branch_id: str | None) -> None:
    """Stock records (give at least one filter)."""
    ended, body = ctl.query(
        "inventory", "/stock", sku=sku, location_id=location_id, branch_id=branch_id
    )
    if ended:
        ctl.emit(ended)
    ctl.emit(Outcome(Exit.DONE, body, rows=body.get("stock", [])))


@click.group("emails")
def emails() -> None:
    """E-mails the notification service sent, is retrying, or gave up on."""


@emails.command("list")
@click.option("--status", help="pending, sent or failed.")
@click.option("--order", "order_id")
@click.pass_obj
def list_emails(ctl: Ctl, status: str | None, order_id: str | None) -> None:
    """E-mails, newest first (at most 100)."""
    columns = ["email_id", "status", "to", "subject", "order_id", "attempts", "created_at"]
    listing(ctl, "notification", "/emails", columns, status=status, order_id=order_id)


orders.add_command(preview_order)
GROUPS = (orders, inventory, emails)
