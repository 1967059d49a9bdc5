"""The order aggregate's receipt/issue progress and stock status (reported by inventory)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.order.common.domain.timeline import TIMELINE_LIMIT
from services.order.orders.domain.errors import InvalidTransition
from services.order.orders.domain.fulfilment import LineFulfilment, spread
from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus
from shared.contracts import (
    GoodsIssued,
    LineProgress,
    OrderCompleted,
    OrderKind,
    OrderLine,
    StockLine,
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


def completions(order: Order) -> list[OrderCompleted]:
    return [e for e in order.collect_events() if isinstance(e, OrderCompleted)]


def test_a_po_is_partially_received_then_received_and_completed() -> None:
    po = approved_order(OrderKind.PURCHASE, line("A", "10"))

    deliver(po, "GR-1", "A", "4", to_date="4", ordered="10")
    assert status(po) is OrderStatus.PARTIALLY_RECEIVED
    deliver(po, "GR-1", "A", "4", to_date="4", ordered="10")  # reported twice: counted once
    assert completions(po) == []
    deliver(po, "GR-2", "A", "6", to_date="10", ordered="10")

    assert status(po) is OrderStatus.COMPLETED
    assert [h.status for h in po.history[-3:]] == [
        OrderStatus.PARTIALLY_RECEIVED,
        OrderStatus.RECEIVED,
        OrderStatus.COMPLETED,
    ]
    assert po.history[-2].note == "received GR-2: A x 6"
    assert [d.document_id for d in po.deliveries] == ["GR-1", "GR-2"]
    [done] = completions(po)
    assert (done.closed_short, done.reason, done.completed_by) == (False, None, "clerk")
    assert [(p.sku, p.ordered, p.fulfilled) for p in done.lines] == [("A", D(10), D(10))]


def test_an_so_is_partially_issued_then_completed() -> None:
    so = approved_order(OrderKind.SALES, line("A", "5"))

    deliver(so, "GI-1", "A", "3", to_date="3", ordered="5")
    assert status(so) is OrderStatus.PARTIALLY_ISSUED
    assert so.fulfilment[0].outstanding == D(2)  # the backorder
    deliver(so, "GI-2", "A", "2", to_date="5", ordered="5")

    assert status(so) is OrderStatus.COMPLETED
    assert so.history[-1].note == "issued GI-2: A x 2"
    assert len(completions(so)) == 1
    deliver(so, "GI-3", "A", "1", to_date="6", ordered="5")  # a late report completes nothing
    assert completions(so) == []
    assert status(so) is OrderStatus.COMPLETED


def test_a_partly_received_po_closed_short_is_completed_with_what_came() -> None:
    po = approved_order(OrderKind.PURCHASE, line("A", "10"), line("B", "2"), line("A", "1"))
    deliver(po, "GR-1", "A", "4", to_date="4", ordered="11")
    po.collect_events()

    po.close_short(by="buyer", reason="vendor discontinued A")

    assert status(po) is OrderStatus.COMPLETED
    assert po.history[-1].note == "closed short: vendor discontinued A"
    assert po.history[-1].by == "buyer"
    [done] = completions(po)
    assert (done.closed_short, done.reason, done.completed_by) == (
        True,
        "vendor discontinued A",
        "buyer",
    )
    progress = [(p.sku, p.ordered, p.fulfilled) for p in done.lines]
    assert progress == [("A", D(11), D(4)), ("B", D(2), D(0))]
    assert po.timeline[-1].summary == "closed short by buyer: vendor discontinued A"


def test_an_approved_so_with_nothing_issued_may_be_closed_short() -> None:
    so = approved_order(OrderKind.SALES, line("A", "5"))
    so.close_short(by="clerk", reason="customer took what was there")
    [done] = completions(so)
    assert [(p.sku, p.ordered, p.fulfilled) for p in done.lines] == [("A", D(5), D(0))]


@pytest.mark.parametrize("state", ["draft", "pending", "rejected", "cancelled", "completed"])
def test_only_an_approved_or_partly_fulfilled_order_is_closed_short(state: str) -> None:
    order = Order.create(
        order_id="O-1",
        kind=OrderKind.PURCHASE,
        party_id="P-1",
        branch_id="BR-1",
        created_by="alice",
        currency="USD",
        lines=[line("A", "1")],
    )
    if state != "draft":
        order.submit(by="alice")
    if state == "rejected":
        order.reject(attempt=1, level=1, approver_id="bob", notes=None)
    if state == "cancelled":
        order.cancel(by="alice", reason=None)
    if state == "completed":
        order.approve(attempt=1)
        order.close_short(by="alice", reason="first")
    order.collect_events()

    with pytest.raises(InvalidTransition, match="can be closed short"):
        order.close_short(by="alice", reason="again")
    assert completions(order) == []


@pytest.mark.parametrize(("kind", "done"), [("purchase", "received"), ("sales", "issued")])
def test_a_refused_close_says_which_orders_can_be_closed(kind: str, done: str) -> None:
    order = Order.create(
        order_id="O-7",
        kind=OrderKind(kind),
        party_id="P-1",
        branch_id="BR-1",
        created_by="alice",
        currency="USD",
        lines=[line("A", "1")],
    )
    with pytest.raises(InvalidTransition) as refused:
        order.close_short(by="alice", reason="no")
    assert refused.value.detail == (
        f"Order O-7 is draft: only an approved order, or one partly {done}, can be closed short."
    )


def test_the_timeline_keeps_own_and_other_services_events_in_order() -> None:
    so = approved_order(OrderKind.SALES, line("A", "5"))
    issued = GoodsIssued(
        order_id="O-1",
        issue_id="GI-1",
        location_id="L-1",
        branch_id="BR-1",
        lines=[StockLine(sku="A", quantity=D(5))],
        order_lines=[LineProgress(sku="A", ordered=D(5), fulfilled=D(5))],
        issued_by="clerk",
        backorder=[],
        completed=True,
    )
    so.saw(issued)

    events = [(e.service, e.event) for e in so.timeline]
    assert events == [
        ("order", "order.created"),
        ("order", "order.submitted"),
        ("order", "order.approved"),
        ("inventory", "inventory.goods_issued"),
    ]
    assert so.timeline[1].summary == "attempt 1 submitted by alice"
    assert so.timeline[-1].summary == "issue GI-1 at L-1"
    assert so.timeline[-1].message_id == str(issued.message_id)
    assert so.timeline[0].summary is None


def test_the_timeline_keeps_its_latest_entries() -> None:
    so = approved_order(OrderKind.SALES, line("A", "5"))
    so.close_short(by="clerk", reason="last")
    [closed] = completions(so)
    for _ in range(TIMELINE_LIMIT):
        so.saw(closed)
    assert len(so.timeline) == TIMELINE_LIMIT
    assert {entry.event for entry in so.timeline} == {"order.completed"}
