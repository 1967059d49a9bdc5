"""Friendly commands for customer and vendor records: list, show (with history) and set.

``set`` reads the record first and changes only the fields given, on the version it read
(``expected_version``): a change someone made meanwhile is refused ``stale_record``, never
overwritten. Like omsctl/curated.py, each reads the order service's query or sends its command.
"""

from __future__ import annotations

from typing import Any

import click

from omsctl.context import Ctl
from omsctl.curated import listing
from omsctl.outcome import Exit, Outcome

LIST_COLUMNS = ["name", "status", "currency", "version"]
HISTORY_COLUMNS = ["version", "at", "source", "changed_by", "fields"]


def _list(ctl: Ctl, kind: str, q: str | None, status: str | None, limit: int) -> None:
    columns = [f"{kind}_id", *LIST_COLUMNS]
    listing(ctl, "order", f"/{kind}s", columns, q=q, status=status, limit=limit)


def _show(ctl: Ctl, kind: str, party_id: str) -> None:
    ended, found = ctl.query("order", f"/{kind}s", **{f"{kind}_id": party_id})
    if ended:
        ctl.emit(ended)
    record = found["record"]
    text = (
        f"{party_id}  {record['name']}  {record['status']}  {record['currency']}  version "
        f"{found['version']} from {found['source']}"
    )
    fields = [{"field": key, "value": value} for key, value in record.items() if value is not None]
    history = [
        {**change, "fields": ", ".join(change["fields"])} for change in found.get("history", [])
    ]
    ctl.emit(Outcome(Exit.DONE, found, text, more=[("record", fields), ("history", history)]))


def _current(ctl: Ctl, kind: str, party_id: str) -> tuple[dict[str, Any], int]:
    """The stored record and its version (a record not stored yet: empty, version 0)."""
    ended, found = ctl.query("order", f"/{kind}s", **{f"{kind}_id": party_id})
    if ended is not None and ended.exit is Exit.NOT_FOUND:
        return {}, 0
    if ended is not None:
        ctl.emit(ended)
    return dict(found["record"]), int(found["version"])


def _send(ctl: Ctl, kind: str, party_id: str, record: dict[str, Any], version: int) -> None:
    record = {**record, f"{kind}_id": party_id}
    fields = {f"{kind}_id": party_id, "record": record, "expected_version": version}
    ctl.emit(ctl.command(f"order.upsert_{kind}", fields))


def _given(changes: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in changes.items() if value is not None}


STATUS = click.Choice(["active", "on_hold", "blocked"])


@click.group("customers")
def customers() -> None:
    """Customer records: list, show (with history), set."""


@customers.command("list")
@click.option("--q", "q", help="Part of the id or name (any case).")
@click.option("--status", type=STATUS)
@click.option("--limit", default=50, show_default=True)
@click.pass_obj
def list_customers(ctl: Ctl, q: str | None, status: str | None, limit: int) -> None:
    """Customers by name."""
    _list(ctl, "customer", q, status, limit)


@customers.command("show")
@click.argument("customer_id")
@click.pass_obj
def show_customer(ctl: Ctl, customer_id: str) -> None:
    """A customer's record, version, source and history."""
    _show(ctl, "customer", customer_id)


@customers.command("set")
@click.argument("customer_id")
@click.option("--name")
@click.option("--status", type=STATUS)
@click.option("--currency", help="The currency the customer buys in (a new one needs it).")
@click.option("--email")
@click.option("--price-list", "price_list_id", help="Prices its orders that name no list.")
@click.option("--branch", "branch_id", help="The branch of its orders that name none.")
@click.option("--payment-terms", type=int, help="Days from invoice to due date.")
@click.option("--exemption", help="CERTIFICATE:YYYY-MM-DD (last valid day), or 'none'.")
@click.option("--credit-limit", help="AMOUNT in the customer's currency, or 'none'.")
@click.pass_obj
def set_customer(
    ctl: Ctl, *, customer_id: str, name: str | None, status: str | None, currency: str | None,
    email: str | None, price_list_id: str | None, branch_id: str | None,
    payment_terms: int | None, exemption: str | None, credit_limit: str | None,
) -> None:  # fmt: skip
    """Add a customer, or change the fields given (on the version read: stale_record if it
    changed meanwhile)."""
    record, version = _current(ctl, "customer", customer_id)
    record |= _given({
        "name": name, "status": status, "currency": currency, "email": email,
        "price_list_id": price_list_id, "branch_id": branch_id,
        "payment_terms_days": payment_terms,
    })  # fmt: skip
    if exemption == "none":
        record.pop("tax_exemption", None)
    elif exemption is not None:
        certificate, _, day = exemption.partition(":")
        record["tax_exemption"] = {"certificate_id": certificate, "expires_on": day}
    if credit_limit == "none":
        record.pop("credit_limit", None)
    elif credit_limit is not None:
        record["credit_limit"] = {"amount": credit_limit, "currency": record.get("currency")}
    _send(ctl, "customer", customer_id, record, version)


@click.group("vendors")
def vendors() -> None:
    """Vendor records: list, show (with history), set."""


@vendors.command("list")
@click.option("--q", "q", help="Part of the id or name (any case).")
@click.option("--status", type=STATUS)
@click.option("--limit", default=50, show_default=True)
@click.pass_obj
def list_vendors(ctl: Ctl, q: str | None, status: str | None, limit: int) -> None:
    """Vendors by name."""
    _list(ctl, "vendor", q, status, limit)


@vendors.command("show")
@click.argument("vendor_id")
@click.pass_obj
def show_vendor(ctl: Ctl, vendor_id: str) -> None:
    """A vendor's record, version, source and history."""
    _show(ctl, "vendor", vendor_id)


@vendors.command("set")
@click.argument("vendor_id")
@click.option("--name")
@click.option("--status", type=STATUS)
@click.option("--currency", help="The currency the vendor sells in (a new one needs it).")
@click.option("--email")
@click.option("--branch", "branch_id", help="The branch of purchase orders that name none.")
@click.option("--payment-terms", type=int, help="Days from invoice to due date.")
@click.pass_obj
def set_vendor(
    ctl: Ctl, *, vendor_id: str, name: str | None, status: str | None, currency: str | None,
    email: str | None, branch_id: str | None, payment_terms: int | None,
) -> None:  # fmt: skip
    """Add a vendor, or change the fields given (on the version read)."""
    record, version = _current(ctl, "vendor", vendor_id)
    record |= _given({
        "name": name, "status": status, "currency": currency, "email": email,
        "branch_id": branch_id, "payment_terms_days": payment_terms,
    })  # fmt: skip
    _send(ctl, "vendor", vendor_id, record, version)


GROUPS = (customers, vendors)
