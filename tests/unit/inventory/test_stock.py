"""The stock of one item at one location: balances, reservations, and the rules that refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.inventory.domain import Stock
from services.inventory.domain.errors import (
    InsufficientStock,
    OpeningAlreadySet,
    StockReservedForOrders,
)
from shared.contracts import MovementKind, StockMoved

D = Decimal


def stock_with(on_hand: str = "10") -> Stock:
    stock = Stock.empty(sku="SKU-1", location_id="L-1", branch_id="BR-1")
    stock.set_opening(quantity=D(on_hand), reason="count", by="clerk")
    stock.collect_events()
    return stock


def balanced(stock: Stock) -> bool:
    return stock.on_hand == stock.opening + stock.received - stock.issued + stock.adjusted


def moves(stock: Stock) -> list[StockMoved]:
    return [e for e in stock.collect_events() if isinstance(e, StockMoved)]


def test_every_movement_is_a_numbered_ledger_entry_and_the_balance_holds() -> None:
    stock = stock_with("10")
    stock.receive(order_id="PO-1", receipt_id="GR-1", quantity=D(5))
    stock.adjust(adjustment_id="A-1", quantity=D(-2), reason="broken", by="clerk")
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(4))

    entries = moves(stock)

    assert [(e.kind, e.on_hand_change, e.sequence) for e in entries] == [
        (MovementKind.RECEIPT, D(5), 2),
        (MovementKind.ADJUSTMENT, D(-2), 3),
        (MovementKind.ISSUE, D(-4), 4),
    ]
    assert entries[-1].on_hand_after == stock.on_hand == D(9)
    assert entries[0].movement_id == "SKU-1|L-1#2"
    assert balanced(stock)


def test_opening_balance_only_before_anything_else() -> None:
    stock = stock_with("3")
    with pytest.raises(OpeningAlreadySet):
        stock.set_opening(quantity=D(1), reason="again", by="clerk")


def test_stock_never_goes_negative() -> None:
    stock = stock_with("2")
    with pytest.raises(InsufficientStock, match="only 2 on hand"):
        stock.adjust(adjustment_id="A-1", quantity=D(-3), reason="lost", by="clerk")
    with pytest.raises(InsufficientStock, match="Only 2 of SKU-1"):
        stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(3))
    assert stock.on_hand == D(2)
    assert stock.pending_events == ()


def test_reservations_hold_what_is_available_and_issues_use_their_own_first() -> None:
    stock = stock_with("5")
    stock.reserve_toward(order_id="SO-1", target=D(3), may_increase=True)
    stock.reserve_toward(order_id="SO-2", target=D(4), may_increase=True)

    assert (stock.reserved_for("SO-1"), stock.reserved_for("SO-2")) == (D(3), D(2))
    assert stock.available == 0
    with pytest.raises(InsufficientStock, match="5 reserved for other orders"):
        stock.issue(order_id="SO-3", issue_id="GI-1", quantity=D(1))

    stock.issue(order_id="SO-1", issue_id="GI-2", quantity=D(2))

    assert (stock.on_hand, stock.reserved_for("SO-1"), stock.reserved) == (D(3), D(1), D(3))
    assert balanced(stock)


def test_trimming_never_adds_and_reserved_stock_cannot_be_adjusted_away() -> None:
    stock = stock_with("5")
    stock.reserve_toward(order_id="SO-1", target=D(4), may_increase=True)
    stock.reserve_toward(order_id="SO-1", target=D(9), may_increase=False)
    assert stock.reserved_for("SO-1") == D(4)

    with pytest.raises(StockReservedForOrders):
        stock.adjust(adjustment_id="A-1", quantity=D(-2), reason="lost", by="clerk")

    stock.reserve_toward(order_id="SO-1", target=D(0), may_increase=False)
    assert (stock.reserved, stock.held) == (D(0), [])


def test_a_reversed_issue_line_goes_back_to_the_orders_reservation() -> None:
    stock = stock_with("5")
    stock.reserve_toward(order_id="SO-1", target=D(3), may_increase=True)
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(3))

    stock.reverse_issue(order_id="SO-1", issue_id="GI-1", quantity=D(3), hold_up_to=D(3))

    assert (stock.on_hand, stock.issued, stock.reserved_for("SO-1")) == (D(5), D(0), D(3))
    assert moves(stock)[-1].reserved_change == D(3)
    assert balanced(stock)
