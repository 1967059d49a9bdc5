"""A report's bar charts, drawn as SVG on the server (no script; the table beside it is what a
screen reader reads): one chart per currency, so that amounts in different currencies never
share a scale, and every number labelled with what it counts."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from services.backoffice.reports import Report

COLOURS = ("#0b5cad", "#c76b00", "#2e7d32", "#8e24aa", "#c62828")
BAR, GAP, LABEL_GAP, LONGEST = 18, 12, 16, 60.0
"""A bar's height, the space between rows and under each row's label (pixels), and the longest
bar in percent of the chart's width: the rest is room for its number. Widths are percentages
and text is not scaled, so the numbers stay readable on a phone."""
LEGEND_ROW = 16
"""The height of a row of the legend (two names a row)."""
MOST = 20
"""Bars a chart draws at most (the largest); the table beside it lists every row."""


@dataclass(frozen=True)
class Bar:
    row: int
    column: int
    value: float
    plain: str
    """The number as the CSV writes it."""
    text: str
    """The number as the chart and table write it, with what it counts."""


@dataclass(frozen=True)
class Chart:
    title: str
    currency: str
    groups: list[tuple[str, list[Bar]]]
    legend: list[str]


def charts(report: Report, most: int = MOST) -> list[Chart]:
    """The report's charts: one per currency for money, else one; none without values. A
    chart of more than ``most`` rows draws the largest (by its first value), in table order."""
    if not report.value_columns or not report.rows:
        return []
    by_currency: dict[str, list[int]] = {}
    for index, row in enumerate(report.rows):
        by_currency.setdefault(report.currency(row), []).append(index)
    return [_chart(report, currency, rows, most) for currency, rows in by_currency.items()]


def _chart(report: Report, currency: str, rows: list[int], most: int) -> Chart:
    names = [report.columns[c] for c in report.value_columns]
    title = f"{report.title}: {', '.join(names)}" + (f" in {currency}" if currency else "")
    if len(rows) > most:
        first = report.value_columns[0]
        largest = sorted(rows, key=lambda i: float(report.rows[i][first]), reverse=True)[:most]
        title += f" (the {most} largest of {len(rows)}; the table lists every one)"
        rows = sorted(largest)
    groups = [
        (report.label(i), [_bar(report, i, c, currency) for c in report.value_columns])
        for i in rows
    ]
    legend = [f"{name} ({currency})" if currency else name for name in names]
    return Chart(title, currency, groups, legend)


def _bar(report: Report, row: int, column: int, currency: str) -> Bar:
    value = report.rows[row][column]
    unit = currency if column in report.money_columns else report.units.get(column, "")
    text = f"{report.columns[column]} {report.text(report.rows[row], column)} {unit}".strip()
    return Bar(row, column, float(value), str(value), text)


def svg(chart: Chart) -> str:
    """Horizontal bars, one group per row, one bar per value column, scaled to the largest
    value of this chart; each row's label above its bars, each bar's number beside it."""
    values = [bar.value for _, bars in chart.groups for bar in bars]
    top = max(values) or 1.0
    per_row = LABEL_GAP + BAR * len(chart.groups[0][1]) + GAP
    legend_rows = (len(chart.legend) + 1) // 2  # two names a row: readable on a phone
    height = per_row * len(chart.groups) + 24 + LEGEND_ROW * (legend_rows - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" height="{height}" '
        f'class="chart" aria-label="{escape(chart.title)}" '
        f'data-currency="{escape(chart.currency)}">'
    ]
    for index, (label, bars) in enumerate(chart.groups):
        y = index * per_row
        parts.append(f'<text x="0" y="{y + 12}" font-size="13">{escape(label[:60])}</text>')
        for n, bar in enumerate(bars):
            parts.append(_rect(bar, y + LABEL_GAP + n * BAR, top, n))
    first_legend_y = height - 6 - LEGEND_ROW * (legend_rows - 1)
    for n, name in enumerate(chart.legend):
        x, legend_y = n % 2 * 50, first_legend_y + n // 2 * LEGEND_ROW
        parts.append(
            f'<rect x="{x}%" y="{legend_y - 10}" width="10" height="10" '
            f'fill="{COLOURS[n % len(COLOURS)]}"/><text x="{x}%" dx="14" y="{legend_y}" '
            f'font-size="12">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _rect(bar: Bar, y: int, top: float, n: int) -> str:
    width = max(LONGEST * bar.value / top, 0.2 if bar.value else 0)
    data: dict[str, Any] = {"row": bar.row, "column": bar.column, "value": bar.plain}
    attributes = " ".join(f'data-{key}="{escape(str(value))}"' for key, value in data.items())
    return (
        f'<rect x="0" y="{y}" width="{width:.1f}%" height="{BAR - 3}" '
        f'fill="{COLOURS[n % len(COLOURS)]}" {attributes}><title>{escape(bar.text)}</title></rect>'
        f'<text x="{width:.1f}%" dx="4" y="{y + BAR - 5}" font-size="12">{escape(bar.text)}</text>'
    )
