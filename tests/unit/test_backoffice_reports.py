"""The back office's reports: what each adds up, its CSV, its chart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.backoffice import reports
from services.backoffice.exports import neutralised

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def order(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "sales",
        "status": "approved",
        "branch_id": "N",
        "party_id": "C1",
        "currency": "USD",
        "total": "10.00",
        "created_on": "2026-11-02T10:00:00+00:00",
        **fields,
    }


def test_sales_add_up_approved_and_completed_sales_orders_per_group_and_currency() -> None:
    orders = [
        order(),
        order(status="completed", total="5.50", party_id="C2"),
        order(currency="EUR", total="7"),
        order(created_on="2026-12-01T00:00:00+00:00", branch_id="S"),
        order(status="pending_approval"),
        order(status="rejected"),
        order(kind="purchase"),
    ]
    by_month = reports.sales(orders, "period")
    assert by_month.rows == [
        ["2026-11", "EUR", 1, Decimal(7)],
        ["2026-11", "USD", 2, Decimal("15.50")],
        ["2026-12", "USD", 1, Decimal("10.00")],
    ]
    assert (by_month.name, by_month.title) == ("sales-by-period", "Sales by month")
    assert by_month.columns == ["month", "currency", "orders", "total"]
    assert reports.sales(orders, "branch").rows == [
        ["N", "EUR", 1, Decimal(7)],
        ["N", "USD", 2, Decimal("15.50")],
        ["S", "USD", 1, Decimal("10.00")],
    ]
    assert reports.sales(orders, "customer").rows[-1] == ["C2", "USD", 1, Decimal("5.50")]


def level(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "level": n,
        "cycle_id": "CYC",
        "order_id": "PO-1",
        "approver_id": "mona",
        "waiting_since": T0,
        "decision": None,
        **fields,
    }


def test_turnaround_is_the_median_and_slowest_minutes_per_cycle_and_level() -> None:
    levels = [
        level(1, decision="approved", decided_at=T0 + timedelta(minutes=10)),
        level(1, decision="rejected", decided_at=T0 + timedelta(minutes=30)),
        level(1, decision="approved", decided_at=T0 + timedelta(minutes=20)),
        level(2, decision="approved", decided_at=T0 + timedelta(hours=2)),
        level(2),  # still waiting: no turnaround yet
        level(1, cycle_id=None, decision="approved", decided_at=T0 + timedelta(seconds=90)),
    ]
    report = reports.turnaround(levels)
    assert report.rows == [
        ["", 1, 1, 1.5, 1.5],
        ["CYC", 1, 3, 20.0, 30.0],
        ["CYC", 2, 1, 120.0, 120.0],
    ]
    assert report.value_columns == [3, 4]


def test_rejections_are_counted_and_listed_newest_first_with_notes() -> None:
    levels = [
        level(1, decision="rejected", decided_at=T0, notes="too many", order_id="PO-1"),
        level(
            2,
            decision="rejected",
            decided_at=T0 + timedelta(days=1),
            notes=None,
            order_id="PO-2",
            approver_id="ada",
        ),
        level(1, decision="approved", decided_at=T0),
    ]
    assert reports.rejection_counts(levels).rows == [["CYC", 1, 1], ["CYC", 2, 1]]
    assert reports.rejections(levels).rows == [
        ["CYC", 2, "PO-2", "ada", "2026-12-01 09:00", ""],
        ["CYC", 1, "PO-1", "mona", "2026-11-30 09:00", "too many"],
    ]


def test_waiting_counts_undecided_levels_per_approver_with_the_oldest() -> None:
    levels = [
        level(1),
        level(1, waiting_since=T0 + timedelta(minutes=50)),
        level(2, approver_id="ada", waiting_since=T0 + timedelta(minutes=30)),
        level(1, approver_id="ada", decision="withdrawn"),
        level(1, approver_id="eve", decision="approved"),
    ]
    assert reports.waiting(levels, T0 + timedelta(hours=1)).rows == [
        ["ada", 1, 30.0],
        ["mona", 2, 60.0],
    ]


def test_stock_shows_on_hand_and_reserved_per_item_and_location() -> None:
    report = reports.stock([{"sku": "B", "location_id": "L", "on_hand": "400", "reserved": "5"}])
    assert report.rows == [["B", "L", Decimal(400), Decimal(5)]]


def test_a_report_downloads_as_csv() -> None:
    report = reports.rejections(
        [level(1, decision="rejected", decided_at=T0, notes='say "no", twice')]
    )
    assert report.csv().splitlines() == [
        "cycle,level,order,approver,decided,notes",
        'CYC,1,PO-1,mona,2026-11-30 09:00,"say ""no"", twice"',
    ]


def test_the_chart_draws_a_bar_per_value_scaled_to_the_largest() -> None:
    report = reports.Report("r", "R & D", ["who", "a", "b"], [["x<y", 10, 5], ["z", 0, 20]], [1, 2])
    svg = reports.bar_chart(report)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')
    assert 'aria-label="R &amp; D"' in svg
    assert ">x&lt;y</text>" in svg
    full = reports.WIDTH - reports.LABEL - 70
    assert f'width="{full:.1f}"' in svg  # 20, the largest
    assert f'width="{full / 2:.1f}"' in svg  # 10
    assert 'width="0.0"' in svg  # nothing, no bar
    assert svg.count("<rect") == 4 + 2  # four bars, two legend keys
    assert "<title>b: 20</title>" in svg
    assert reports.bar_chart(reports.Report("e", "E", ["a"], [], [0])) == ""
    assert reports.bar_chart(reports.Report("t", "T", ["a"], [["x"]], [])) == ""


def test_a_csv_cell_that_a_spreadsheet_would_run_is_neutralised() -> None:
    formula = '=HYPERLINK("http://x","click")'
    report = reports.rejections([level(1, decision="rejected", decided_at=T0, notes=formula)])
    [_, row] = list(csv.reader(io.StringIO(report.csv())))
    assert row[-1] == "'" + formula
    cells = ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\x01x", "\uff1d1", "plain", "a=b"]
    assert [neutralised(cell) for cell in cells] == [
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "'\x01x",
        "'\uff1d1",
        "plain",
        "a=b",
    ]
    assert [neutralised(n) for n in (Decimal(-3), -2, None)] == [Decimal(-3), -2, None]
