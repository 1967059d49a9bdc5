"""Reports as data: rows computed from the back office's views, each written the same way in
its table, its chart and its CSV. Sales add up what the documents say: net of tax (tax and
gross beside it), by order, goods-issue or invoice date, in a named time zone. Pure: no I/O."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from services.backoffice.domain import money
from services.backoffice.formats import quantized
from shared.contracts import OrderStatus
from shared.exports import csv_text

SOLD = frozenset({OrderStatus.APPROVED, OrderStatus.PARTIALLY_ISSUED, OrderStatus.COMPLETED})
BASES = {
    "ordered": "order date",
    "issued": "goods-issue date",
    "invoiced": "invoice date",
}
"""What a sale's date is: when the order was created (approved and completed sales orders, in
full), when goods were issued against it (the value issued), or when it was invoiced."""
GROUPS = {"period": "month", "branch": "branch", "customer": "customer"}
EMPTY_SALES = {
    "ordered": "No approved sales orders in this period. A sales order counts here once it is "
    "approved: widen the period, or choose goods-issue or invoice date above.",
    "issued": "No goods issued in this period. Issue goods from an approved sales order's "
    "page, or widen the period.",
    "invoiced": "No invoices in this period. Invoices are issued for approved subscription "
    "renewals; widen the period or choose order date above.",
}
ZERO = Decimal(0)


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]]
    value_columns: Sequence[int]
    """Which columns the chart draws (a bar each per row)."""
    labels: Sequence[str] = ()
    """What names each row's bars in the chart (default: its first column)."""
    units: Mapping[int, str] = field(default_factory=dict)
    """What a value column counts, written after its number in the chart (``orders``, ``min``)."""
    numbers: Sequence[int] = ()
    """Columns holding numbers (right-aligned)."""
    currency_column: int | None = None
    """Money columns are written with this column's currency; one chart per currency."""
    money_columns: Sequence[int] = ()
    note: str = ""
    """What the numbers are, in words."""
    empty: str = "Nothing to show yet."
    """What to do when there is nothing to show."""

    def label(self, index: int) -> str:
        return self.labels[index] if self.labels else str(self.rows[index][0])

    def currency(self, row: Sequence[Any]) -> str:
        return "" if self.currency_column is None else str(row[self.currency_column])

    def text(self, row: Sequence[Any], column: int) -> str:
        """A number as the table and the chart write it: money with its currency's decimals,
        grouped by thousands; the CSV has the same number without grouping."""
        value = row[column]
        if column in self.money_columns:
            return money(value, self.currency(row))
        return str(value)

    def csv(self) -> str:
        return csv_text(self.columns, [[_plain(value) for value in row] for row in self.rows])


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# --- sales ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sale:
    """One amount a sales report counts: of which order, on which moment, for how much."""

    order_id: str
    at: datetime
    currency: str
    branch_id: str
    party_id: str
    net: Decimal
    tax: Decimal


def sales_of(order: Mapping[str, Any], basis: str) -> list[Sale]:
    """The sales one order's document makes on ``basis`` (``ordered``, ``issued``,
    ``invoiced``); none for a purchase order or one not known well enough yet."""
    if order.get("kind") != "sales" or "net" not in order or "currency" not in order:
        return []
    if basis == "ordered":
        if order.get("status") not in SOLD or order.get("ordered_at") is None:
            return []
        return [_sale(order, order["ordered_at"], Decimal(order["net"]), Decimal(order["tax"]))]
    if basis == "issued":
        return _issued(order)
    voided = set(order.get("voided", []))
    return [
        _sale(order, invoice["at"], Decimal(invoice["net"]), Decimal(invoice["tax"]), invoice)
        for invoice in order.get("invoices", [])
        if invoice["invoice_id"] not in voided
    ]


def _sale(
    order: Mapping[str, Any],
    at: datetime,
    net: Decimal,
    tax: Decimal,
    invoice: Mapping[str, Any] | None = None,
) -> Sale:
    currency = (invoice or order)["currency"]
    party = (invoice or {}).get("customer_id") or order.get("party_id", "")
    return Sale(str(order["_id"]), at, currency, order.get("branch_id", ""), party, net, tax)


def _issued(order: Mapping[str, Any]) -> list[Sale]:
    """The value of each goods issue: the order's net and tax times the share issued so far,
    rounded to the currency, less what the issues before it counted. Once every item is
    issued, the issues add up to the order's net and tax exactly."""
    currency = order["currency"]
    net, tax = Decimal(order["net"]), Decimal(order["tax"])
    lines = order.get("lines") or []
    by_net, by_tax = _weights(lines, "net"), _weights(lines, "tax")
    issues = sorted(order.get("issues", []), key=lambda issue: (issue["at"], issue["issue_id"]))
    counted_net = counted_tax = ZERO
    found = []
    for issue in issues:
        issued = _issued_shares(issue["progress"])
        upto_net = quantized(net * _share(by_net, issued), currency)
        upto_tax = quantized(tax * _share(by_tax, issued), currency)
        found.append(_sale(order, issue["at"], upto_net - counted_net, upto_tax - counted_tax))
        counted_net, counted_tax = upto_net, upto_tax
    return found


def _weights(lines: Sequence[Mapping[str, Any]], amount: str) -> dict[str, Decimal]:
    """Each item's part of the order's ``amount`` (net or tax): its lines' amounts."""
    weights: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        weights[line["sku"]] += Decimal(line[amount])
    return weights


def _issued_shares(progress: Sequence[Mapping[str, Any]]) -> dict[str, Decimal]:
    """How much of each item is issued so far, from 0 to 1."""
    shares = {}
    for item in progress:
        ordered = Decimal(item["ordered"])
        if ordered > 0:
            shares[item["sku"]] = min(Decimal(item["issued"]) / ordered, Decimal(1))
    return shares


def _share(weights: Mapping[str, Decimal], issued: Mapping[str, Decimal]) -> Decimal:
    """How much of an amount is issued: each item's issued share weighted by its part of the
    amount (by item alone when the parts are all zero: an untaxed order's tax)."""
    whole = sum(weights.values(), ZERO)
    if whole == 0:
        return sum(issued.values(), ZERO) / len(issued) if issued else ZERO
    return sum((part * issued.get(sku, ZERO) for sku, part in weights.items()), ZERO) / whole


@dataclass(frozen=True)
class Period:
    """Which local days a report covers (either end open), and in which time zone."""

    zone: tzinfo
    first: date | None = None
    last: date | None = None

    def day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def covers(self, day: date) -> bool:
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)


def sales(found: Iterable[Sale], by: str, basis: str, period: Period) -> Report:
    """Net, tax and gross per month, branch or customer (``by``) and currency, with how many
    orders they come from, for the sales whose local date is in ``period``."""
    groups: dict[tuple[str, str], list[Sale]] = defaultdict(list)
    for sale in found:
        day = period.day(sale.at)
        if period.covers(day):
            if by == "period":
                group = f"{day.year:04d}-{day.month:02d}"
            else:
                group = sale.branch_id if by == "branch" else sale.party_id
            groups[(group, sale.currency)].append(sale)
    rows: list[Sequence[Any]] = []
    labels: list[str] = []
    for (group, currency), each in sorted(groups.items()):
        net = quantized(sum((s.net for s in each), ZERO), currency)
        tax = quantized(sum((s.tax for s in each), ZERO), currency)
        orders = len({s.order_id for s in each})
        rows.append([group, currency, orders, net, tax, net + tax])
        labels.append(f"{group} · {orders} order{'s' if orders != 1 else ''}")
    label = GROUPS[by]
    return Report(
        f"sales-by-{by}",
        f"Sales by {label}",
        [label, "currency", "orders", "net", "tax", "gross"],
        rows,
        [3],
        labels=labels,
        numbers=[2, 3, 4, 5],
        currency_column=1,
        money_columns=[3, 4, 5],
        note=f"Net of tax by {BASES[basis]}, in {period.zone}; tax and gross (net + tax) "
        "beside it. One chart per currency.",
        empty=EMPTY_SALES[basis],
    )


# --- approvals --------------------------------------------------------------------------------


def minutes(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 60, 1)


def turnaround(levels: Iterable[Mapping[str, Any]]) -> Report:
    """Per cycle and level: decisions, and the median and slowest minutes from waiting to
    decided."""
    waited: dict[tuple[str, int], list[float]] = defaultdict(list)
    for level in levels:
        if level.get("decided_at") and level.get("waiting_since"):
            group = (level.get("cycle_id") or "", int(level["level"]))
            waited[group].append(minutes(level["waiting_since"], level["decided_at"]))
    rows: list[Sequence[Any]] = [
        [cycle, level, len(times), round(statistics.median(times), 1), max(times)]
        for (cycle, level), times in sorted(waited.items())
    ]
    return Report(
        "approval-turnaround",
        "Approval turnaround (minutes)",
        ["cycle", "level", "decisions", "median minutes", "slowest minutes"],
        rows,
        [3, 4],
        labels=[f"{r[0] or 'no cycle'} level {r[1]} · {r[2]} decisions" for r in rows],
        numbers=[1, 2, 3, 4],
        note="Minutes from a level starting to wait until its decision.",
        empty="No approval decided yet. Orders submitted into an approval cycle show here "
        "once a level is approved or rejected.",
    )


def rejections(levels: Iterable[Mapping[str, Any]]) -> Report:
    """Every rejection, newest first, with its notes."""
    rejected = sorted(
        (level for level in levels if level.get("decision") == "rejected"),
        key=lambda level: str(level.get("decided_at") or ""),
        reverse=True,
    )
    rows: list[Sequence[Any]] = [
        [
            level.get("cycle_id") or "",
            level["level"],
            level["order_id"],
            level.get("approver_id", ""),
            level.get("decided_at"),
            level.get("notes") or "",
        ]
        for level in rejected
    ]
    return Report(
        "rejections",
        "Rejections with notes",
        ["cycle", "level", "order", "approver", "decided", "notes"],
        rows,
        [],
        numbers=[1],
        empty="No rejections.",
    )


def rejection_counts(levels: Iterable[Mapping[str, Any]]) -> Report:
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for level in levels:
        if level.get("decision") == "rejected":
            counts[(level.get("cycle_id") or "", int(level["level"]))] += 1
    rows: list[Sequence[Any]] = [[c, lv, n] for (c, lv), n in sorted(counts.items())]
    return Report(
        "rejection-counts",
        "Rejections per cycle and level",
        ["cycle", "level", "rejections"],
        rows,
        [2],
        labels=[f"{r[0] or 'no cycle'} level {r[1]}" for r in rows],
        numbers=[1, 2],
        empty="No rejections.",
    )


def waiting(levels: Iterable[Mapping[str, Any]], now: datetime) -> Report:
    """Requests waiting now, per approver, with the oldest wait."""
    per: dict[str, list[float]] = defaultdict(list)
    for level in levels:
        if level.get("decision") is None and level.get("waiting_since"):
            per[level.get("approver_id", "")].append(minutes(level["waiting_since"], now))
    rows: list[Sequence[Any]] = [
        [approver, len(waits), max(waits)] for approver, waits in sorted(per.items())
    ]
    return Report(
        "waiting-per-approver",
        "Orders waiting per approver",
        ["approver", "waiting", "oldest minutes"],
        rows,
        [1],
        numbers=[1, 2],
        empty="Nothing waits for a decision.",
    )


def stock(records: Iterable[Mapping[str, Any]]) -> Report:
    rows: list[Sequence[Any]] = [
        [
            r.get("sku", ""),
            r.get("location_id", ""),
            Decimal(str(r.get("on_hand", 0))),
            Decimal(str(r.get("reserved", 0))),
        ]
        for r in records
    ]
    return Report(
        "stock",
        "Stock on hand and reserved",
        ["item", "location", "on hand", "reserved"],
        rows,
        [2, 3],
        labels=[f"{r[0]} at {r[1]}" for r in rows],
        numbers=[2, 3],
        note="Quantities in each item's own unit.",
        empty="No stock recorded at this branch. Check the branch id, or receive goods "
        "against an approved purchase order.",
    )
