"""More stock rules: when an opening balance may be set, running totals, the limits of
adjustments and issues, and what each ledger entry says."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.inventory.domain import Stock
from services.inventory.domain.errors import (
    InsufficientStock,
    OpeningAlreadySet,
    StockReservedForOrders,
)
from services.inventory.domain.stock import StockInvariantBroken
from shared.contracts import (
    MovementKind,
    OpeningBalanceSet,
    SourceType,
    StockAdjusted,
    StockMoved,
    utcnow,
)

D = Decimal


def empty() -> Stock:
    return Stock.empty(sku="SKU-1", location_id="L-1", branch_id="BR-1")


def stock_with(on_hand: str) -> Stock:
    stock = empty()
    stock.set_opening(quantity=D(on_hand), reason="count", by="clerk")
    stock.collect_events()
    return stock


def last_move(stock: Stock) -> StockMoved:
    move = stock.collect_events()[-1]
    assert isinstance(move, StockMoved)
    return move


def test_the_opening_balance_is_the_first_movement_and_says_who_set_it() -> None:
    stock = empty()
    stock.set_opening(quantity=D(7), reason="stocktake", by="clerk")

    opening, move = stock.collect_events()
    assert isinstance(opening, OpeningBalanceSet)
    assert (opening.quantity, opening.on_hand, opening.set_by) == (D(7), D(7), "clerk")
    assert isinstance(move, StockMoved)
    assert (move.kind, move.source_type, move.source_id, move.reason) == (
        MovementKind.OPENING,
        SourceType.OPENING_BALANCE,
        "opening",
        "stocktake",
    )
    assert (stock.opening_set, stock.opening, stock.on_hand) == (True, D(7), D(7))


@pytest.mark.parametrize("first", ["receipt", "adjustment"])
def test_no_opening_balance_after_receipts_or_adjustments(first: str) -> None:
    stock = empty()
    if first == "receipt":
        stock.receive(order_id="PO-1", receipt_id="GR-1", quantity=D(2))
    else:
        stock.adjust(adjustment_id="A-1", quantity=D(2), reason="found", by="clerk")

    with pytest.raises(OpeningAlreadySet) as refused:
        stock.set_opening(quantity=D(5), reason="count", by="clerk")
    assert str(refused.value) == (
        "SKU-1 at L-1 already has stock movements; correct it with an adjustment instead of an "
        "opening balance."
    )
    assert (stock.opening_set, stock.on_hand) == (False, D(2))


def test_running_totals_add_up_every_movement() -> None:
    stock = stock_with("10")
    for n in (1, 2):
        stock.receive(order_id="PO-1", receipt_id=f"GR-{n}", quantity=D(3))
        stock.issue(order_id="SO-1", issue_id=f"GI-{n}", quantity=D(2))
        stock.adjust(adjustment_id=f"A-{n}", quantity=D(-1), reason="broken", by="clerk")
    stock.reverse_issue(order_id="SO-1", issue_id="GI-2", quantity=D(1), hold_up_to=D(0))

    assert (stock.received, stock.issued, stock.adjusted) == (D(6), D(3), D(-2))
    assert stock.on_hand == D(11) == stock.opening + stock.received - stock.issued + stock.adjusted


def test_stock_may_be_adjusted_down_to_exactly_nothing_or_exactly_what_is_reserved() -> None:
    stock = stock_with("2")
    stock.adjust(adjustment_id="A-1", quantity=D("-1.5"), reason="spilt", by="clerk")
    stock.reserve_toward(order_id="SO-1", target=D("0.25"), may_increase=True)
    stock.adjust(adjustment_id="A-2", quantity=D("-0.25"), reason="spilt", by="clerk")
    assert (stock.on_hand, stock.reserved) == (D("0.25"), D("0.25"))

    with pytest.raises(StockReservedForOrders) as refused:
        stock.adjust(adjustment_id="A-3", quantity=D("-0.01"), reason="spilt", by="clerk")
    assert str(refused.value) == (
        "Cannot remove 0.01 of SKU-1 at L-1: 0.25 of the 0.25 on hand are reserved for sales "
        "orders; release or issue them first."
    )
    stock.reserve_toward(order_id="SO-1", target=D(0), may_increase=False)
    assert isinstance(stock.reserved, Decimal)  # stored as a decimal, even when nothing is held
    stock.adjust(adjustment_id="A-4", quantity=D("-0.25"), reason="spilt", by="clerk")
    assert stock.on_hand == D(0)
    with pytest.raises(
        InsufficientStock, match=r"Cannot remove 1 of SKU-1 at L-1: only 0\.00 on hand"
    ):
        stock.adjust(adjustment_id="A-5", quantity=D(-1), reason="lost", by="clerk")


def test_an_adjustment_is_announced_and_entered_in_the_ledger() -> None:
    stock = stock_with("5")
    stock.adjust(adjustment_id="A-1", quantity=D(-2), reason="broken", by="clerk")

    adjusted, move = stock.collect_events()
    assert isinstance(adjusted, StockAdjusted)
    assert (adjusted.quantity, adjusted.on_hand, adjusted.adjusted_by) == (D(-2), D(3), "clerk")
    assert isinstance(move, StockMoved)
    assert (move.source_id, move.reason, move.on_hand_change) == ("A-1", "broken", D(-2))


def test_receipts_and_issues_name_their_document_in_the_ledger() -> None:
    stock = stock_with("5")
    before = stock.updated_at
    stock.receive(order_id="PO-1", receipt_id="GR-1", quantity=D(1))
    receipt = last_move(stock)
    stock.reserve_toward(order_id="SO-1", target=D(3), may_increase=True)
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(4))
    issue = last_move(stock)

    assert (receipt.source_id, receipt.reference, receipt.reason) == ("PO-1", "GR-1", None)
    assert (issue.source_id, issue.reference) == ("SO-1", "GI-1")
    assert (issue.on_hand_change, issue.reserved_change) == (D(-4), D(-3))
    assert stock.updated_at >= before


def test_an_issue_may_take_exactly_what_is_issuable_and_names_what_others_hold() -> None:
    stock = stock_with("6")
    stock.reserve_toward(order_id="SO-1", target=D(2), may_increase=True)
    stock.reserve_toward(order_id="SO-2", target=D(3), may_increase=True)
    assert stock.issuable_for("SO-1") == D(3)

    with pytest.raises(InsufficientStock, match=r"\(6 on hand, 3 reserved for other orders\)"):
        stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(4))
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(3))

    assert (stock.on_hand, stock.reserved_for("SO-1"), stock.reserved_for("SO-2")) == (
        D(3),
        D(0),
        D(3),
    )


def test_a_reversed_line_tops_up_what_the_order_still_holds() -> None:
    stock = stock_with("5")
    stock.reserve_toward(order_id="SO-1", target=D(3), may_increase=True)
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(2))  # still holds 1

    stock.reverse_issue(order_id="SO-1", issue_id="GI-1", quantity=D(2), hold_up_to=D(3))

    move = last_move(stock)
    assert (move.kind, move.reserved_change, move.on_hand_change) == (
        MovementKind.ISSUE_REVERSAL,
        D(2),
        D(2),
    )
    assert (move.reference, move.reason) == ("GI-1", "another line of the issue could not be taken")
    assert stock.reserved_for("SO-1") == D(3)


def test_a_reservation_change_is_a_ledger_entry_and_no_change_is_none() -> None:
    stock = stock_with("5")
    stock.reserve_toward(order_id="SO-1", target=D(1), may_increase=True)
    first = last_move(stock)
    stock.reserve_toward(order_id="SO-1", target=D(4), may_increase=True)
    second = last_move(stock)
    stock.reserve_toward(order_id="SO-1", target=D(4), may_increase=True)

    assert (first.kind, first.reserved_change, first.on_hand_change) == (
        MovementKind.RESERVATION,
        D(1),
        D(0),
    )
    assert (second.reserved_change, second.reserved_after) == (D(3), D(4))
    assert stock.pending_events == ()
    assert stock.reservation_target(target=D(9), order_id="SO-2", may_increase=True) == D(1)


def test_a_change_that_leaves_the_invariant_broken_is_refused() -> None:
    broken = Stock(
        id="SKU-1|L-1",
        sku="SKU-1",
        location_id="L-1",
        branch_id="BR-1",
        on_hand=D(1),
        reserved=D(3),
        updated_at=utcnow(),
    )
    with pytest.raises(StockInvariantBroken, match=r"SKU-1\|L-1: on hand 2, reserved 3"):
        broken.receive(order_id="PO-1", receipt_id="GR-1", quantity=D(1))
    assert broken.pending_events == ()
