"""The order aggregate's receipt/issue progress and stock status (reported by inventory)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from services.order.domain import Order, OrderStatus
from services.order.fulfilment import LineFulfilment, spread
from shared.contracts import (
    LineProgress,
    OrderKind,
    OrderLine,
    ReservedLine,
    StockLine,
    StockStatus,
    utcnow,
)

D = Decimal


def line(sku: str, quantity: str) -> OrderLine:
    return OrderLine(sku=sku, quantity=D(quantity), unit_price=D(1))


def approved_order(kind: OrderKind, *order_lines: OrderLine) -> Order:
    order = Order.create(
        order_id="O-1",
        kind=kind,
        party_id="P-1",
        branch_id="BR-1",
        created_by="alice",
        currency="USD",
        lines=list(order_lines),
    )
    order.submit(by="alice")
    order.approve(attempt=1)
    return order


def status(order: Order) -> OrderStatus:
    """Read afresh (each call may have moved it on)."""
    return order.status


def deliver(order: Order, doc: str, sku: str, quantity: str, *, to_date: str, ordered: str) -> None:
    order.record_delivery(
        document_id=doc,
        location_id="L-1",
        lines=[StockLine(sku=sku, quantity=D(quantity))],
        by="clerk",
        to_date=[LineProgress(sku=sku, ordered=D(ordered), fulfilled=D(to_date))],
    )


def test_totals_per_item_are_spread_over_its_lines_and_never_go_down() -> None:
    lines = [line("A", "3"), line("B", "1"), line("A", "2")]
    first = spread(lines, [], [LineProgress(sku="A", ordered=D(5), fulfilled=D(4))])
    stale = spread(lines, first, [LineProgress(sku="A", ordered=D(5), fulfilled=D(1))])

    assert [item.fulfilled for item in first] == [D(3), D(0), D(1)]
    assert stale == first
    assert isinstance(first[0], LineFulfilment)


def test_a_po_is_partially_received_then_received() -> None:
    po = approved_order(OrderKind.PURCHASE, line("A", "10"))

    deliver(po, "GR-1", "A", "4", to_date="4", ordered="10")
    assert status(po) is OrderStatus.PARTIALLY_RECEIVED
    deliver(po, "GR-1", "A", "4", to_date="4", ordered="10")  # reported twice: counted once
    deliver(po, "GR-2", "A", "6", to_date="10", ordered="10")

    assert status(po) is OrderStatus.RECEIVED
    assert [d.document_id for d in po.deliveries] == ["GR-1", "GR-2"]


def test_an_so_is_partially_issued_then_completed() -> None:
    so = approved_order(OrderKind.SALES, line("A", "5"))

    deliver(so, "GI-1", "A", "3", to_date="3", ordered="5")
    assert status(so) is OrderStatus.PARTIALLY_ISSUED
    assert so.fulfilment[0].outstanding == D(2)  # the backorder
    deliver(so, "GI-2", "A", "2", to_date="5", ordered="5")

    assert status(so) is OrderStatus.COMPLETED


def test_the_latest_stock_report_for_the_current_attempt_wins() -> None:
    so = approved_order(OrderKind.SALES, line("A", "5"))
    now = utcnow()
    short = [ReservedLine(sku="A", needed=D(5), reserved=D(2))]

    so.record_stock(
        attempt=1, status=StockStatus.SHORT, firm=True, location_id="L-1", lines=short, at=now
    )
    so.record_stock(
        attempt=1,
        status=StockStatus.CONFIRMED,
        firm=False,
        location_id="L-1",
        lines=[],
        at=now - timedelta(seconds=1),
    )  # an older, late report
    so.record_stock(
        attempt=2, status=StockStatus.CONFIRMED, firm=False, location_id="L-1", lines=[], at=now
    )  # not this order's attempt

    assert so.stock is not None
    assert (so.stock.status, so.stock.firm) == ("short", True)
    assert "A short by 3" in (so.history[-1].note or "")
