"""What a sales order or a work order may hold, and trimming stock down to it (one rule)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.inventory.domain import Stock
from services.inventory.domain.holds import Holder, reservation_targets
from services.inventory.domain.stock import work_order_holder
from shared.contracts import MovementKind, SourceType, StockMoved

D = Decimal


def stock_with(on_hand: str = "10") -> Stock:
    stock = Stock.empty(sku="SKU-1", location_id="L-1", branch_id="BR-1")
    stock.set_opening(quantity=D(on_hand), reason="count", by="clerk")
    stock.collect_events()
    return stock


def hold(stock: Stock, holder: Holder, quantity: Decimal) -> None:
    if holder.work_order:
        stock.reserve_for_work_order(work_order_id=holder.id, target=quantity, may_increase=True)
    else:
        stock.reserve_toward(order_id=holder.id, target=quantity, may_increase=True)
    stock.collect_events()


def test_a_holder_may_hold_its_needs_at_its_location_and_nothing_where_else_it_held() -> None:
    targets = reservation_targets(["A|L-0", "A|L-1"], "L-1", {"A": D(2), "B": D(3)})
    assert targets == {"A|L-0": D(0), "A|L-1": D(2), "B|L-1": D(3)}


def test_without_a_location_a_holder_may_hold_nothing_where_it_held() -> None:
    assert reservation_targets(["A|L-1"], None, {"A": D(2)}) == {"A|L-1": D(0)}
    assert reservation_targets([], None, {"A": D(2)}) == {}


@pytest.mark.parametrize(
    ("holder", "key", "source"),
    [
        (Holder.sales_order("SO-1"), "SO-1", SourceType.SALES_ORDER),
        (Holder.for_work_order("WO-1"), work_order_holder("WO-1"), SourceType.WORK_ORDER),
    ],
)
def test_trimming_releases_only_what_is_held_beyond_the_target(
    holder: Holder, key: str, source: SourceType
) -> None:
    stock = stock_with("10")
    hold(stock, holder, D(6))
    assert holder.held(stock) == stock.reserved_for(key) == D(6)

    assert holder.holds_more(stock, D(4))
    holder.trim(stock, D(4))

    assert holder.held(stock) == D(4)
    assert stock.available == D(6)
    [move] = [e for e in stock.collect_events() if isinstance(e, StockMoved)]
    assert (move.kind, move.source_type, move.source_id) == (
        MovementKind.RESERVATION,
        source,
        holder.id,
    )
    assert move.reserved_change == D(-2)


@pytest.mark.parametrize("holder", [Holder.sales_order("SO-1"), Holder.for_work_order("SO-1")])
def test_trimming_never_adds_and_a_holder_at_its_target_is_left_alone(holder: Holder) -> None:
    stock = stock_with("10")
    hold(stock, holder, D(2))

    assert not holder.holds_more(stock, D(2))
    assert not holder.holds_more(stock, D(5))
    assert not holder.holds_more(None, D(0))
    holder.trim(stock, D(5))

    assert holder.held(stock) == D(2)
    assert stock.collect_events() == []


def test_a_sales_order_and_a_work_order_of_the_same_id_hold_apart() -> None:
    stock = stock_with("10")
    stock.reserve_toward(order_id="X-1", target=D(3), may_increase=True)
    stock.reserve_for_work_order(work_order_id="X-1", target=D(4), may_increase=True)

    Holder.for_work_order("X-1").trim(stock, D(1))

    assert Holder.sales_order("X-1").held(stock) == D(3)
    assert Holder.for_work_order("X-1").held(stock) == D(1)
