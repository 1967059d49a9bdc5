"""A sales order against its branch's stock: available, short, backorder or unknown, and the
branch's rule for orders its stock cannot serve."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.order.orders.domain.order import Order
from services.order.stock.domain.availability import (
    Branch,
    InsufficientStock,
    assess,
    check,
    requested,
)
from shared.contracts import (
    Availability,
    BranchConfigured,
    OrderKind,
    OrderLine,
    OrderUpdated,
    StockAvailability,
    WhenStockShort,
    utcnow,
)

D = Decimal
NOW = utcnow()


def line(sku: str, quantity: str) -> OrderLine:
    return OrderLine(sku=sku, quantity=D(quantity), unit_price=D(1))


def at_l1(*lines: OrderLine, **free: str) -> StockAvailability:
    available = {sku: D(q) for sku, q in free.items()}
    return assess(list(lines), location_id="L-1", available=available, at=NOW)


def test_each_item_is_compared_with_what_is_free_over_all_its_lines() -> None:
    result = at_l1(line("A", "2"), line("B", "5"), line("A", "1"), line("C", "1"), A="3", B="2")

    assert [(x.sku, x.requested, x.available, x.status) for x in result.lines] == [
        ("A", D(3), D(3), Availability.AVAILABLE),
        ("B", D(5), D(2), Availability.SHORT),
        ("C", D(1), D(0), Availability.BACKORDER),
    ]
    assert (result.status, result.location_id, result.checked_at) == (
        Availability.BACKORDER,
        "L-1",
        NOW,
    )
    assert requested([line("A", "2"), line("A", "0.5")]) == {"A": D("2.5")}


@pytest.mark.parametrize(
    ("free", "status"),
    [
        ({"A": "1", "B": "1"}, Availability.AVAILABLE),
        ({"A": "1", "B": "0.5"}, Availability.SHORT),
        ({"A": "0.5", "B": "0"}, Availability.BACKORDER),
        ({"A": "-2", "B": "1"}, Availability.BACKORDER),  # over-reserved: nothing free
    ],
)
def test_the_order_is_as_served_as_its_worst_item(free: dict[str, str], status: str) -> None:
    result = at_l1(line("A", "1"), line("B", "1"), **free)
    assert result.status == status
    assert all(x.available >= 0 for x in result.lines)


def test_a_branch_without_a_stock_location_is_unknown() -> None:
    result = assess([line("A", "1")], location_id=None, available={"A": D(9)}, at=NOW)
    assert (result.status, result.location_id, result.lines) == (Availability.UNKNOWN, None, [])


def test_allow_takes_anything_and_refuse_only_what_can_be_served() -> None:
    short = at_l1(line("A", "2"), line("B", "1"), A="1", B="1")
    check(short, WhenStockShort.ALLOW, branch_id="BR-1")
    check(at_l1(line("A", "1"), A="1"), WhenStockShort.REFUSE, branch_id="BR-1")
    with pytest.raises(InsufficientStock, match=r"\(A: 2 requested, 1 available\) at L-1") as e:
        check(short, WhenStockShort.REFUSE, branch_id="BR-1")
    assert e.value.reason == "insufficient_stock"
    assert "Branch BR-1 refuses" in e.value.detail
    unknown = assess([line("A", "1")], location_id=None, available={}, at=NOW)
    check(unknown, WhenStockShort.ALLOW, branch_id="BR-1")
    with pytest.raises(InsufficientStock, match=r"BR-2 .* no stock location yet"):
        check(unknown, WhenStockShort.REFUSE, branch_id="BR-2")


def new(kind: OrderKind, availability: StockAvailability, rule: WhenStockShort) -> Order:
    return Order.create(
        order_id="O-1",
        kind=kind,
        party_id="C-1",
        branch_id="BR-1",
        created_by="alice",
        currency="USD",
        lines=[line("A", "2")],
        availability=availability,
        when_stock_short=rule,
    )


def test_a_sales_order_keeps_and_publishes_its_availability() -> None:
    short = at_l1(line("A", "2"), A="1")
    order = new(OrderKind.SALES, short, WhenStockShort.ALLOW)
    assert order.availability == short
    [created] = order.collect_events()
    assert created.availability == short  # type: ignore[attr-defined]
    with pytest.raises(InsufficientStock):
        new(OrderKind.SALES, short, WhenStockShort.REFUSE)


def test_a_purchase_order_has_no_availability_and_no_stock_rule() -> None:
    short = at_l1(line("A", "2"), A="1")
    order = new(OrderKind.PURCHASE, short, WhenStockShort.REFUSE)
    assert order.availability is None


def test_a_change_of_lines_or_branch_is_assessed_again_and_may_be_refused() -> None:
    order = new(OrderKind.SALES, at_l1(line("A", "2"), A="5"), WhenStockShort.REFUSE)
    order.collect_events()
    assert not order.changes_stock_need(None, None)
    assert not order.changes_stock_need([line("A", "2")], "BR-1")
    assert order.changes_stock_need([line("A", "3")], None)
    assert order.changes_stock_need(None, "BR-2")

    order.update(by="alice", notes="just a note", availability=None)
    assert order.availability is not None
    assert order.availability.lines[0].available == D(5)

    short = at_l1(line("A", "9"), A="5")
    with pytest.raises(InsufficientStock):
        order.update(
            by="alice",
            lines=[line("A", "9")],
            availability=short,
            when_stock_short=WhenStockShort.REFUSE,
        )
    assert order.lines == [line("A", "2")]  # refused: nothing changed
    order.collect_events()

    order.update(by="alice", lines=[line("A", "9")], availability=short)
    assert order.availability == short
    [updated] = order.collect_events()
    assert isinstance(updated, OrderUpdated)
    assert updated.availability == short
    po = new(OrderKind.PURCHASE, short, WhenStockShort.ALLOW)
    assert not po.changes_stock_need([line("A", "3")], "BR-2")


def test_a_branch_is_configured_with_an_event() -> None:
    assert Branch(id="BR-0").when_stock_short is WhenStockShort.ALLOW
    branch = Branch(id="BR-1")
    branch.configure(when_stock_short=WhenStockShort.REFUSE, by="root")
    assert branch.when_stock_short is WhenStockShort.REFUSE
    [event] = branch.collect_events()
    assert isinstance(event, BranchConfigured)
    assert (event.branch_id, event.when_stock_short, event.configured_by) == (
        "BR-1",
        "refuse",
        "root",
    )


def test_a_move_to_another_branch_is_assessed_and_refused_in_that_branchs_name() -> None:
    order = new(OrderKind.SALES, at_l1(line("A", "2"), A="5"), WhenStockShort.ALLOW)
    elsewhere = assess([line("A", "2"), line("B", "1")], location_id="L-9", available={}, at=NOW)
    with pytest.raises(InsufficientStock) as refused:
        order.update(
            by="alice",
            branch_id="BR-9",
            availability=elsewhere,
            when_stock_short=WhenStockShort.REFUSE,
        )
    assert refused.value.detail == (
        "Branch BR-9 refuses sales orders its stock cannot serve (A: 2 requested, 0 available, "
        "B: 1 requested, 0 available) at L-9."
    )
    assert order.branch_id == "BR-1"
    order.update(by="alice", branch_id="BR-9", availability=elsewhere)
    assert (order.branch_id, order.availability) == ("BR-9", elsewhere)
