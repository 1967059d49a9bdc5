"""The back office's reports: what each adds up, its CSV, its chart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.backoffice import charts, reports
from shared.exports import neutralised

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def order(**fields: Any) -> dict[str, Any]:
    """A sales order's document in the sales view: 10.00 net + 1.90 tax, one item."""
    return {
        "_id": fields.pop("_id", "SO-1"),
        "kind": "sales",
        "status": "approved",
        "branch_id": "N",
        "party_id": "C1",
        "currency": "USD",
        "net": "10.00",
        "tax": "1.90",
        "gross": "11.90",
        "lines": [{"sku": "A", "net": "10.00", "tax": "1.90"}],
        "ordered_at": datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
        **fields,
    }


UTC_ALL = reports.Period(UTC)


def sales_report(docs: list[dict[str, Any]], by: str, basis: str = "ordered", **period: Any) -> Any:
    found = [sale for doc in docs for sale in reports.sales_of(doc, basis)]
    return reports.sales(found, by, basis, reports.Period(period.pop("zone", UTC), **period))


def test_sales_add_up_net_tax_and_gross_of_approved_and_completed_sales_orders() -> None:
    orders = [
        order(_id="SO-1"),
        order(_id="SO-2", status="completed", net="5.50", tax="0", party_id="C2"),
        order(_id="SO-3", currency="EUR", net="7", tax="1.33"),
        order(_id="SO-4", ordered_at=datetime(2026, 12, 1, tzinfo=UTC), branch_id="S"),
        order(_id="SO-5", status="pending_approval"),
        order(_id="SO-6", status="rejected"),
        order(_id="SO-7", kind="purchase"),
        {"_id": "SO-8", "kind": "sales", "issues": []},  # its order events not learnt yet
    ]
    by_month = sales_report(orders, "period")
    assert by_month.rows == [
        ["2026-11", "EUR", 1, Decimal("7.00"), Decimal("1.33"), Decimal("8.33")],
        ["2026-11", "USD", 2, Decimal("15.50"), Decimal("1.90"), Decimal("17.40")],
        ["2026-12", "USD", 1, Decimal("10.00"), Decimal("1.90"), Decimal("11.90")],
    ]
    assert (by_month.name, by_month.title) == ("sales-by-period", "Sales by month")
    assert by_month.columns == ["month", "currency", "orders", "net", "tax", "gross"]
    assert by_month.labels == ["2026-11 · 1 order", "2026-11 · 2 orders", "2026-12 · 1 order"]
    assert "Net of tax by order date, in UTC" in by_month.note
    assert sales_report(orders, "branch").rows[-1][:4] == ["S", "USD", 1, Decimal("10.00")]
    assert sales_report(orders, "customer").rows[-1][:4] == ["C2", "USD", 1, Decimal("5.50")]


def test_months_and_periods_are_the_local_dates_of_the_time_zone_named() -> None:
    late = order(ordered_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert sales_report([late], "period").rows[0][0] == "2026-11"
    tokyo = ZoneInfo("Asia/Tokyo")
    in_tokyo = sales_report([late], "period", zone=tokyo)
    assert in_tokyo.rows[0][0] == "2026-12"
    assert "in Asia/Tokyo" in in_tokyo.note
    first = date(2026, 12, 1)
    assert sales_report([late], "branch", zone=tokyo, first=first).rows != []
    assert sales_report([late], "branch", first=first).rows == []
    assert sales_report([late], "branch", last=date(2026, 11, 30)).rows != []


def test_an_amount_has_its_currencys_decimals() -> None:
    yen = order(
        currency="JPY", net="1235", tax="123", lines=[{"sku": "A", "net": "1235", "tax": "123"}]
    )
    dinar = order(_id="SO-2", currency="BHD", net="1.2345", tax="0.1", lines=[])
    report = sales_report([yen, dinar], "branch")
    assert report.rows == [
        ["N", "BHD", 1, Decimal("1.234"), Decimal("0.100"), Decimal("1.334")],
        ["N", "JPY", 1, Decimal("1235"), Decimal("123"), Decimal("1358")],
    ]
    assert [report.text(row, 3) for row in report.rows] == ["1.234", "1,235"]
    assert report.csv().splitlines()[1:] == ["N,BHD,1,1.234,0.100,1.334", "N,JPY,1,1235,123,1358"]


def issue(issue_id: str, day: int, *progress: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "issue_id": issue_id,
        "at": datetime(2026, 11, day, 12, tzinfo=UTC),
        "progress": [{"sku": s, "ordered": o, "issued": i} for s, o, i in progress],
    }


def test_by_issue_date_each_issue_counts_the_value_it_issued_and_all_add_up_to_the_order() -> None:
    # 3 of A (net 10.00, tax 1.90) and 1 of B (net 0.01, tax 0): issued in three goes.
    shipped = order(
        net="10.01",
        tax="1.90",
        lines=[
            {"sku": "A", "net": "10.00", "tax": "1.90"},
            {"sku": "B", "net": "0.01", "tax": "0"},
        ],
        issues=[
            issue("I-3", 20, ("A", "3", "3"), ("B", "1", "1")),
            issue("I-1", 3, ("A", "3", "1"), ("B", "1", "0")),
            issue("I-2", 10, ("A", "3", "2"), ("B", "1", "0")),
        ],
    )
    found = reports.sales_of(shipped, "issued")
    assert [(s.at.day, s.net, s.tax) for s in found] == [
        (3, Decimal("3.33"), Decimal("0.63")),
        (10, Decimal("3.34"), Decimal("0.64")),
        (20, Decimal("3.34"), Decimal("0.63")),
    ]
    assert sum(s.net for s in found) == Decimal("10.01")
    assert sum(s.tax for s in found) == Decimal("1.90")
    # A pending order's issues count too; an order closed short counts what was issued.
    short = order(_id="SO-2", status="completed", issues=[issue("I-9", 3, ("A", "4", "1"))])
    assert [(s.net, s.tax) for s in reports.sales_of(short, "issued")] == [
        (Decimal("2.50"), Decimal("0.48"))
    ]
    by_month = sales_report([shipped, short], "period", "issued")
    assert by_month.rows == [
        ["2026-11", "USD", 2, Decimal("12.51"), Decimal("2.38"), Decimal("14.89")]
    ]
    assert "by goods-issue date" in by_month.note


def test_by_invoice_date_invoices_count_with_their_own_amounts_and_void_ones_not() -> None:
    invoiced = order(
        status="completed",
        invoices=[
            {"invoice_id": "INV-1", "at": datetime(2026, 12, 5, tzinfo=UTC), "currency": "EUR",
             "net": "20.00", "tax": "3.80", "gross": "23.80", "customer_id": "C9"},
            {"invoice_id": "INV-2", "at": datetime(2026, 12, 6, tzinfo=UTC), "currency": "EUR",
             "net": "20.00", "tax": "3.80", "gross": "23.80", "customer_id": "C9"},
        ],
        voided=["INV-2"],
    )  # fmt: skip
    report = sales_report([invoiced, order(_id="SO-2")], "customer", "invoiced")
    assert report.rows == [["C9", "EUR", 1, Decimal("20.00"), Decimal("3.80"), Decimal("23.80")]]
    assert sales_report([order()], "customer", "invoiced").empty.startswith("No invoices")


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
        ["CYC", 2, "PO-2", "ada", T0 + timedelta(days=1), ""],
        ["CYC", 1, "PO-1", "mona", T0, "too many"],
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
        'CYC,1,PO-1,mona,2026-11-30T09:00:00+00:00,"say ""no"", twice"',
    ]


def test_the_chart_draws_a_bar_per_value_scaled_to_the_largest() -> None:
    report = reports.Report(
        "r", "R & D", ["who", "a", "b"], [["x<y", 10, 5], ["z", 0, 20]], [1, 2], units={1: "min"}
    )
    [chart] = charts.charts(report)
    svg = charts.svg(chart)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')
    assert 'aria-label="R &amp; D: a, b"' in svg
    assert ">x&lt;y</text>" in svg
    assert 'width="60.0%"' in svg  # 20, the largest
    assert 'width="30.0%"' in svg  # 10
    assert 'width="0.0%"' in svg  # nothing, no bar
    assert svg.count("<rect") == 4 + 2  # four bars, two legend keys
    assert "<title>a 10 min</title>" in svg  # every number says what it counts
    assert "<title>b 20</title>" in svg
    assert charts.charts(reports.Report("e", "E", ["a"], [], [0])) == []
    assert charts.charts(reports.Report("t", "T", ["a"], [["x"]], [])) == []


def test_sales_have_one_chart_per_currency_each_equal_to_its_rows_of_the_table_and_csv() -> None:
    docs = [
        order(_id="SO-1", currency="EUR", net="1234.5", tax="0"),
        order(_id="SO-2", currency="USD", net="21", tax="0"),
        order(_id="SO-3", currency="USD", net="3", tax="0", branch_id="S"),
    ]
    report = sales_report(docs, "branch")
    found = charts.charts(report)
    assert [c.currency for c in found] == ["EUR", "USD"]
    assert found[0].title == "Sales by branch: net in EUR"
    assert found[0].legend == ["net (EUR)"]
    csv_rows = [line.split(",") for line in report.csv().splitlines()[1:]]
    for chart in found:
        for label, [bar] in chart.groups:
            row = report.rows[bar.row]
            assert row[1] == chart.currency
            assert bar.plain == str(row[3]) == csv_rows[bar.row][3]  # chart, table, CSV
            assert bar.text == f"net {report.text(row, 3)} {chart.currency}"
            assert label == report.labels[bar.row]
    eur = found[0].groups[0]
    assert eur == ("N · 1 order", [charts.Bar(0, 3, 1234.5, "1234.50", "net 1,234.50 EUR")])
    # A bar is scaled within its own currency: each chart's largest bar is full width.
    assert 'width="60.0%"' in charts.svg(found[0])
    assert 'width="60.0%"' in charts.svg(found[1])


def test_a_chart_of_many_rows_draws_the_largest_and_says_so() -> None:
    rows: list[Any] = [[f"C{n}", "EUR", 1, Decimal(n), Decimal(0), Decimal(n)] for n in range(30)]
    report = reports.Report("s", "Sales", ["c", "currency", "orders", "net", "tax", "gross"],
                            rows, [3], currency_column=1, money_columns=[3, 4, 5])  # fmt: skip
    [chart] = charts.charts(report, most=5)
    assert [bars[0].row for _, bars in chart.groups] == [25, 26, 27, 28, 29]
    assert chart.title == "Sales: net in EUR (the 5 largest of 30; the table lists every one)"


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
