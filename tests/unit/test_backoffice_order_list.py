"""The back office's order list and order page rules: how the list is sorted and paged, which
status an event leaves an order in (the partial ones included), and who may cancel an order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pymongo import ASCENDING, DESCENDING

from services.backoffice.domain import (
    CANCELLABLE,
    EDITABLE,
    FULFILLABLE,
    Viewer,
    may_cancel,
    refusal_words,
)
from services.backoffice.orders_view import STATUSES, Filters, status_after
from services.order.orders.domain import status as order_rules
from shared.contracts import GoodsIssued, GoodsReceived, LineProgress, OrderStatus, StockLine
from tests.support.factories import unique

pytestmark = pytest.mark.unit
CARL, ADA, MONA = Viewer("carl", "Carl"), Viewer("ada", "Ada", admin=True), Viewer("mona", "Mona")


def test_the_status_filter_offers_every_status_of_the_contract_with_its_label() -> None:
    assert tuple(OrderStatus) == STATUSES
    assert {"partially_received", "partially_issued", "awaiting_stock"} <= set(STATUSES)
    assert OrderStatus.PARTIALLY_RECEIVED.label == "partially received"
    assert Filters.read({"status": "awaiting_stock"}).query() == {"status": "awaiting_stock"}


def test_the_order_page_offers_what_the_order_service_allows() -> None:
    assert EDITABLE == order_rules.EDITABLE
    assert CANCELLABLE == order_rules.CANCELLABLE
    assert FULFILLABLE == order_rules.CLOSABLE


def test_the_list_sorts_by_a_known_column_and_pages_by_a_known_size() -> None:
    default = Filters.read({})
    assert default.order_by() == [("created_on", DESCENDING), ("_id", DESCENDING)]
    assert default.size == 25
    by_total = Filters.read({"sort": "total", "direction": "asc", "size": "100"})
    assert by_total.order_by() == [("total_value", ASCENDING), ("_id", ASCENDING)]
    assert by_total.size == 100
    assert Filters.read({"sort": "order"}).order_by() == [("_id", DESCENDING)]
    unknown = Filters.read({"sort": "password", "direction": "sideways", "size": "1000000"})
    assert (unknown.sort, unknown.direction, unknown.size) == ("created", "desc", 25)


def progress(sku: str, ordered: str, done: str) -> LineProgress:
    return LineProgress(sku=sku, ordered=Decimal(ordered), fulfilled=Decimal(done))


def test_a_receipt_or_issue_short_of_the_order_leaves_it_partly_done() -> None:
    common = {"order_id": unique("PO"), "location_id": "L", "branch_id": "B"}
    moved = [StockLine(sku="A", quantity=Decimal("4"))]
    received = GoodsReceived(
        **common,
        receipt_id="R1",
        lines=moved,
        received_by="clerk",
        order_lines=[progress("A", "10", "4")],
        fully_received=False,
    )
    assert status_after(received) == "partially_received"
    assert status_after(received.model_copy(update={"fully_received": True})) is None
    issued = GoodsIssued(
        **common,
        issue_id="I1",
        lines=moved,
        issued_by="clerk",
        order_lines=[progress("A", "10", "4")],
        backorder=[],
        completed=False,
    )
    assert status_after(issued) == "partially_issued"
    assert status_after(issued.model_copy(update={"completed": True})) is None


def test_its_creator_or_an_admin_cancels_an_order_until_goods_moved() -> None:
    for status in ("draft", "rejected", "pending_approval", "approved"):
        order = {"created_by": "carl", "status": status}
        assert may_cancel(order, CARL)
        assert may_cancel(order, ADA)
        assert not may_cancel(order, MONA)
    for status in ("partially_received", "partially_issued", "completed", "cancelled"):
        assert not may_cancel({"created_by": "carl", "status": status}, CARL)


def test_a_pricing_refusal_reads_as_words() -> None:
    detail = "Line A names tax code CITY, which is not defined."
    assert refusal_words("unknown_tax_rate", detail) == (
        f"A tax code is not defined, or not in force yet. {detail}"
    )
    assert refusal_words("discount_exceeds_document", "").startswith("The discount on the order")


def test_a_partly_issued_sales_order_still_counts_as_sold_in_the_reports() -> None:
    from datetime import UTC, datetime

    from services.backoffice import reports

    sold = {
        "_id": "SO-1",
        "kind": "sales",
        "branch_id": "N",
        "currency": "USD",
        "net": "50.00",
        "tax": "0",
        "ordered_at": datetime(2026, 12, 1, tzinfo=UTC),
        "status": "partially_issued",
    }
    found = reports.sales(
        reports.sales_of(sold, "ordered"), "branch", "ordered", reports.Period(UTC)
    )
    assert found.rows == [["N", "USD", 1, Decimal("50.00"), Decimal("0"), Decimal("50.00")]]
