"""Reports as data: rows computed from the back office's views, a CSV of each, and a bar chart
drawn as SVG on the server (no script, readable by screen readers through its table)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import Any

from services.backoffice.exports import csv_text

SOLD = frozenset({"approved", "partially_issued", "completed"})
"""A partly issued sales order is sold as much as an approved one (the list learns that status)."""


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]]
    value_columns: Sequence[int]
    """Which columns the chart draws (a bar each per row)."""

    def csv(self) -> str:
        return csv_text(self.columns, self.rows)


def sales(orders: Iterable[Mapping[str, Any]], by: str) -> Report:
    """Approved (and completed) sales orders' totals, per month, branch or customer, per
    currency: ``by`` is ``period``, ``branch`` or ``customer``."""
    field = {"period": "created_on", "branch": "branch_id", "customer": "party_id"}[by]
    width = 7 if by == "period" else None  # a month: 2026-11
    totals: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for order in orders:
        if order.get("kind") == "sales" and order.get("status") in SOLD:
            group = str(order.get(field, ""))[:width]
            totals[(group, order.get("currency", ""))].append(Decimal(order["total"]))
    rows: list[Sequence[Any]] = [
        [group, currency, len(amounts), sum(amounts, Decimal(0))]
        for (group, currency), amounts in sorted(totals.items())
    ]
    label = {"period": "month", "branch": "branch", "customer": "customer"}[by]
    return Report(
        f"sales-by-{by}", f"Sales by {label}", [label, "currency", "orders", "total"], rows, [3]
    )


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
            str(level.get("decided_at", ""))[:16],
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
    )


COLOURS = ("#0b5cad", "#f5a623")
BAR, GAP, LABEL, WIDTH = 18, 10, 160, 640


def bar_chart(report: Report) -> str:
    """Horizontal bars, one group per row, one bar per value column, scaled to the largest."""
    if not report.value_columns or not report.rows:
        return ""
    values = [float(row[c]) for row in report.rows for c in report.value_columns]
    top = max(values) or 1.0
    per_row = BAR * len(report.value_columns) + GAP
    height = per_row * len(report.rows) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'class="chart" aria-label="{escape(report.title)}">'
    ]
    for index, row in enumerate(report.rows):
        y = index * per_row
        label = " ".join(str(row[c]) for c in range(len(row)) if c not in report.value_columns)
        parts.append(f'<text x="0" y="{y + BAR - 4}" font-size="12">{escape(label[:26])}</text>')
        for n, column in enumerate(report.value_columns):
            value = float(row[column])
            width = max((WIDTH - LABEL - 70) * value / top, 1 if value else 0)
            parts.append(
                f'<rect x="{LABEL}" y="{y + n * BAR}" width="{width:.1f}" height="{BAR - 3}" '
                f'fill="{COLOURS[n % len(COLOURS)]}"><title>{escape(report.columns[column])}: '
                f"{escape(str(row[column]))}</title></rect>"
                f'<text x="{LABEL + width + 4:.1f}" y="{y + n * BAR + BAR - 6}" font-size="11">'
                f"{escape(str(row[column]))}</text>"
            )
    legend_y = height - 6
    for n, column in enumerate(report.value_columns):
        x = LABEL + n * 150
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" '
            f'fill="{COLOURS[n % len(COLOURS)]}"/><text x="{x + 14}" y="{legend_y}" '
            f'font-size="11">{escape(report.columns[column])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
