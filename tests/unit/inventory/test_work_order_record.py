"""Work orders as inventory knows them: a release reserves, then issues all or reports a
shortage; a cancellation lets go of what is held; a completion is received once. And the stock
rules for work orders: their reservations, issues and receipts in the ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from services.inventory.domain import Stock
from services.inventory.domain.errors import InsufficientStock
from services.inventory.domain.stock import work_order_holder
from services.inventory.domain.work_orders import HOLDING, Phase, WorkOrderRecord
from shared.contracts import (
    ComponentsIssued,
    ComponentsReleased,
    ComponentsShort,
    MovementKind,
    ProductionReceived,
    ProductionRefused,
    ReservedLine,
    SourceType,
    StockLine,
    StockMoved,
    WorkOrderKind,
    utcnow,
)

D = Decimal


def lines(**quantities: str) -> list[StockLine]:
    return [StockLine(sku=sku, quantity=D(q)) for sku, q in quantities.items()]


def record() -> WorkOrderRecord:
    return WorkOrderRecord.new(work_order_id="WO-1", kind=WorkOrderKind.PRODUCTION, branch_id="B")


def released(
    attempt: int = 1, location_id: str | None = "L", unknown: list[str] | None = None
) -> WorkOrderRecord:
    wo = record()
    wo.released(
        attempt=attempt,
        item_sku="WIDGET",
        components=lines(FRAME="8", BOLT="6"),
        location_id=location_id,
        unknown_skus=unknown or [],
    )
    return wo


def issuing() -> WorkOrderRecord:
    wo = released()
    wo.reserved(attempt=1, held={"FRAME": D(8), "BOLT": D(6)})
    return wo


# --- release ----------------------------------------------------------------------------------


def test_a_release_learns_what_to_reserve_and_where() -> None:
    wo = record()
    wo.released(
        attempt=1,
        item_sku="WIDGET",
        components=[*lines(FRAME="8", BOLT="6"), *lines(FRAME="1")],
        location_id="L",
        unknown_skus=["X"],
    )
    assert (wo.attempt, wo.item_sku, wo.phase, wo.location_id) == (1, "WIDGET", "reserving", "L")
    assert wo.needs == {"FRAME": D(9), "BOLT": D(6)}
    assert wo.unknown_skus == ["X"]
    assert wo.touched == ["FRAME|L", "BOLT|L"]
    assert wo.reserving(1)
    assert not wo.reserving(2)
    assert wo.reservation_targets() == {"FRAME|L": D(9), "BOLT|L": D(6)}
    assert wo.issue_id() == "WO-1#1"


def test_without_a_location_nothing_is_touched_or_held() -> None:
    wo = released(location_id=None)
    assert wo.touched == []
    assert wo.reservation_targets() == {}
    wo.reserved(attempt=1, held={"FRAME": D(8), "BOLT": D(6)})
    [short] = wo.collect_events()
    assert isinstance(short, ComponentsShort)
    assert short.location_id is None
    assert wo.phase is Phase.SHORT


def test_everything_held_goes_on_to_the_issue_which_is_announced_once() -> None:
    wo = issuing()
    assert wo.phase is Phase.ISSUING
    assert wo.collect_events() == []
    assert not wo.reserving(1)
    assert wo.reservation_targets() == {"FRAME|L": D(8), "BOLT|L": D(6)}
    wo.issued(attempt=1)
    [event] = wo.collect_events()
    assert isinstance(event, ComponentsIssued)
    assert (event.work_order_id, event.attempt, event.location_id, event.branch_id) == (
        "WO-1",
        1,
        "L",
        "B",
    )
    assert (event.lines, wo.phase) == (lines(FRAME="8", BOLT="6"), Phase.ISSUED)
    assert wo.reservation_targets() == {"FRAME|L": D(0), "BOLT|L": D(0)}
    wo.issued(attempt=1)
    assert wo.collect_events() == []


def test_an_issue_of_another_attempt_is_not_announced() -> None:
    wo = issuing()
    wo.issued(attempt=2)
    assert (wo.phase, wo.collect_events()) == (Phase.ISSUING, [])


def test_a_shortage_keeps_what_is_held_and_says_what_is_missing() -> None:
    wo = released()
    wo.reserved(attempt=1, held={"FRAME": D(3)})
    [short] = wo.collect_events()
    assert isinstance(short, ComponentsShort)
    assert (short.work_order_id, short.attempt, short.location_id, short.branch_id) == (
        "WO-1",
        1,
        "L",
        "B",
    )
    assert short.lines == [
        ReservedLine(sku="FRAME", needed=D(8), reserved=D(3)),
        ReservedLine(sku="BOLT", needed=D(6), reserved=D(0)),
    ]
    assert wo.phase is Phase.SHORT
    assert wo.reservation_targets() == {"FRAME|L": D(8), "BOLT|L": D(6)}
    wo.issued(attempt=1)
    assert wo.collect_events() == []


def test_an_unknown_item_is_a_shortage_even_when_the_components_are_held() -> None:
    wo = released(unknown=["WIDGET"])
    wo.reserved(attempt=1, held={"FRAME": D(8), "BOLT": D(6)})
    [short] = wo.collect_events()
    assert isinstance(short, ComponentsShort)
    assert short.unknown_skus == ["WIDGET"]


def test_a_report_for_another_attempt_changes_nothing() -> None:
    wo = released()
    wo.reserved(attempt=2, held={})
    assert (wo.phase, wo.collect_events()) == (Phase.RESERVING, [])


def test_a_new_release_after_a_shortage_reserves_again_at_the_same_place() -> None:
    wo = released()
    wo.reserved(attempt=1, held={})
    wo.released(
        attempt=2, item_sku="WIDGET", components=lines(FRAME="8"), location_id="M", unknown_skus=[]
    )
    assert (wo.attempt, wo.phase, wo.location_id, wo.needs) == (
        2,
        Phase.RESERVING,
        "L",
        {"FRAME": D(8)},
    )
    assert wo.touched == ["FRAME|L", "BOLT|L"]
    assert wo.reservation_targets() == {"FRAME|L": D(8), "BOLT|L": D(0)}


def test_an_old_or_repeated_release_or_one_after_the_issue_is_ignored() -> None:
    wo = released(attempt=2)
    wo.released(attempt=2, item_sku="X", components=[], location_id="M", unknown_skus=[])
    wo.released(attempt=1, item_sku="X", components=[], location_id="M", unknown_skus=[])
    assert (wo.attempt, wo.item_sku) == (2, "WIDGET")
    issued = issuing()
    issued.released(attempt=3, item_sku="X", components=[], location_id="M", unknown_skus=[])
    assert (issued.attempt, issued.phase) == (1, Phase.ISSUING)
    issued.issued(attempt=1)
    issued.released(attempt=3, item_sku="X", components=[], location_id="M", unknown_skus=[])
    assert (issued.attempt, issued.phase) == (1, Phase.ISSUED)


def test_holding_phases() -> None:
    assert frozenset({Phase.RESERVING, Phase.SHORT}) == HOLDING


# --- cancellation -----------------------------------------------------------------------------


def test_a_cancellation_releases_what_is_held_and_is_final() -> None:
    wo = released()
    wo.reserved(attempt=1, held={"FRAME": D(3)})
    wo.collect_events()
    wo.cancel(held={"FRAME": D(3), "BOLT": D(0)})
    [event] = wo.collect_events()
    assert isinstance(event, ComponentsReleased)
    assert (event.work_order_id, event.location_id) == ("WO-1", "L")
    assert (event.released, event.consumed) == (lines(FRAME="3"), [])
    assert wo.reservation_targets() == {"FRAME|L": D(0), "BOLT|L": D(0)}
    assert not wo.reserving(1)
    wo.cancel(held={})
    assert wo.collect_events() == []
    wo.released(attempt=2, item_sku="W", components=[], location_id="L", unknown_skus=[])
    assert wo.attempt == 1


def test_a_cancellation_while_reserving_stops_the_release() -> None:
    wo = released()
    wo.cancel(held={})
    wo.reserved(attempt=1, held={"FRAME": D(8), "BOLT": D(6)})
    assert wo.phase is Phase.RESERVING
    [event] = wo.collect_events()
    assert isinstance(event, ComponentsReleased)
    assert event.released == []


def test_a_cancellation_during_or_after_the_issue_leaves_the_components_consumed() -> None:
    during = issuing()
    during.cancel(held={"FRAME": D(8), "BOLT": D(6)})
    [event] = during.collect_events()
    assert isinstance(event, ComponentsReleased)
    assert (event.released, event.consumed) == ([], lines(FRAME="8", BOLT="6"))
    assert during.reservation_targets() == {"FRAME|L": D(8), "BOLT|L": D(6)}
    during.issued(attempt=1)
    assert during.phase is Phase.ISSUED
    after = issuing()
    after.issued(attempt=1)
    after.collect_events()
    after.cancel(held={})
    [later] = after.collect_events()
    assert isinstance(later, ComponentsReleased)
    assert later.consumed == lines(FRAME="8", BOLT="6")


def test_a_cancellation_of_a_work_order_never_released_here_is_quiet() -> None:
    wo = record()
    wo.cancel(held={})
    assert wo.cancelled
    assert wo.collect_events() == []


# --- receipts ---------------------------------------------------------------------------------


def test_a_completion_that_cannot_be_received_is_answered_once_and_never_received() -> None:
    wo = issuing()
    wo.refuse_receipt(
        completion_id="C-1", sku="WIDGET", quantity=D(1), reason="no_location", detail="none"
    )
    wo.refuse_receipt(
        completion_id="C-1", sku="WIDGET", quantity=D(1), reason="no_location", detail="none"
    )
    wo.receive(completion_id="C-1", sku="WIDGET", quantity=D(1), location_id="L")
    [refused] = wo.collect_events()
    assert isinstance(refused, ProductionRefused)
    assert (refused.work_order_id, refused.completion_id, refused.branch_id) == ("WO-1", "C-1", "B")
    assert (refused.sku, refused.quantity, refused.reason) == ("WIDGET", D(1), "no_location")
    assert wo.answered("C-1")
    assert not wo.answered("C-2")
    assert wo.received == D(0)


def test_each_completion_is_received_once() -> None:
    wo = issuing()
    wo.receive(completion_id="C-1", sku="WIDGET", quantity=D(1), location_id="L")
    wo.receive(completion_id="C-1", sku="WIDGET", quantity=D(1), location_id="L")
    wo.receive(completion_id="C-2", sku="WIDGET", quantity=D(2), location_id="L")
    first, second = wo.collect_events()
    assert isinstance(first, ProductionReceived)
    assert isinstance(second, ProductionReceived)
    assert (first.work_order_id, first.completion_id, first.location_id, first.branch_id) == (
        "WO-1",
        "C-1",
        "L",
        "B",
    )
    assert (first.sku, first.quantity, first.received_total) == ("WIDGET", D(1), D(1))
    assert second.received_total == D(3)
    assert wo.received == D(3)
    receipt = wo.receipt("C-2")
    assert receipt is not None
    assert (receipt.sku, receipt.quantity, receipt.location_id) == ("WIDGET", D(2), "L")
    assert wo.receipt("C-3") is None


# --- stock rules for work orders --------------------------------------------------------------


def stock_with(on_hand: str) -> Stock:
    stock = Stock.empty(sku="FRAME", location_id="L", branch_id="B")
    stock.set_opening(quantity=D(on_hand), reason="count", by="clerk")
    stock.collect_events()
    return stock


def moves(stock: Stock) -> list[StockMoved]:
    return [e for e in stock.collect_events() if isinstance(e, StockMoved)]


def test_a_work_order_holds_stock_apart_from_a_sales_order_of_the_same_id() -> None:
    stock = stock_with("10")
    stock.reserve_toward(order_id="X-1", target=D(2), may_increase=True)
    stock.reserve_for_work_order(work_order_id="X-1", target=D(5), may_increase=True)
    assert work_order_holder("X-1") == "work_order|X-1"
    assert [(h.order_id, h.quantity) for h in stock.held] == [
        ("X-1", D(2)),
        ("work_order|X-1", D(5)),
    ]
    assert (stock.held_for_work_order("X-1"), stock.reserved_for("X-1")) == (D(5), D(2))
    [sales, work] = moves(stock)
    assert (sales.source_type, work.source_type) == (SourceType.SALES_ORDER, SourceType.WORK_ORDER)
    assert (work.kind, work.source_id, work.reserved_change, work.on_hand_change) == (
        MovementKind.RESERVATION,
        "X-1",
        D(5),
        D(0),
    )


def test_a_work_order_reserves_what_is_available_and_trims_without_adding() -> None:
    stock = stock_with("3")
    stock.reserve_for_work_order(work_order_id="WO-1", target=D(5), may_increase=True)
    assert stock.held_for_work_order("WO-1") == D(3)
    stock.reserve_for_work_order(work_order_id="WO-1", target=D(5), may_increase=False)
    stock.reserve_for_work_order(work_order_id="WO-1", target=D(3), may_increase=True)
    assert len(moves(stock)) == 1  # the two calls that change nothing move nothing
    stock.reserve_for_work_order(work_order_id="WO-1", target=D(1), may_increase=False)
    assert stock.held_for_work_order("WO-1") == D(1)
    [trim] = moves(stock)
    assert trim.reserved_change == D(-2)


def test_components_are_issued_from_the_work_orders_reservation() -> None:
    stock = stock_with("10")
    stock.reserve_for_work_order(work_order_id="WO-1", target=D(8), may_increase=True)
    stock.reserve_toward(order_id="SO-1", target=D(2), may_increase=True)
    moves(stock)
    stock.issue_components(work_order_id="WO-1", issue_id="WO-1#1", quantity=D(8))
    [issue] = moves(stock)
    assert (issue.kind, issue.source_type, issue.source_id, issue.reference) == (
        MovementKind.ISSUE,
        SourceType.WORK_ORDER,
        "WO-1",
        "WO-1#1",
    )
    assert (issue.on_hand_change, issue.reserved_change) == (D(-8), D(-8))
    assert (stock.on_hand, stock.reserved, stock.issued) == (D(2), D(2), D(8))
    assert stock.held_for_work_order("WO-1") == D(0)
    with pytest.raises(InsufficientStock):
        stock.issue_components(work_order_id="WO-1", issue_id="WO-1#2", quantity=D(1))


def test_finished_units_are_received_as_a_work_order_receipt() -> None:
    stock = stock_with("1")
    stock.receive_production(work_order_id="WO-1", completion_id="C-1", quantity=D(3))
    [receipt] = moves(stock)
    assert (receipt.kind, receipt.source_type, receipt.source_id, receipt.reference) == (
        MovementKind.RECEIPT,
        SourceType.WORK_ORDER,
        "WO-1",
        "C-1",
    )
    assert (receipt.on_hand_change, receipt.on_hand_after) == (D(3), D(4))
    assert (stock.on_hand, stock.received) == (D(4), D(3))
    assert stock.on_hand == stock.opening + stock.received - stock.issued + stock.adjusted


def test_a_fraction_short_is_a_shortage() -> None:
    wo = released()
    wo.reserved(attempt=1, held={"FRAME": D("7.5"), "BOLT": D(6)})
    assert wo.phase is Phase.SHORT


def test_every_change_is_dated() -> None:
    before = utcnow()
    wo = record()
    wo.updated_at = before - timedelta(days=1)
    wo.released(attempt=1, item_sku="W", components=lines(A="1"), location_id="L", unknown_skus=[])
    assert wo.updated_at >= before
    changes: list[Callable[[], None]] = [
        lambda: wo.reserved(attempt=1, held={"A": D(1)}),
        lambda: wo.issued(attempt=1),
        lambda: wo.receive(completion_id="C-1", sku="W", quantity=D(1), location_id="L"),
        lambda: wo.cancel(held={}),
    ]
    for change in changes:
        wo.updated_at = before - timedelta(days=1)
        change()
        if wo.phase is not Phase.ISSUING:  # deciding to issue is not yet a change to tell
            assert wo.updated_at >= before


def test_received_production_adds_to_what_was_received() -> None:
    stock = stock_with("0")
    stock.receive_production(work_order_id="WO-1", completion_id="C-1", quantity=D(3))
    stock.receive_production(work_order_id="WO-1", completion_id="C-2", quantity=D(2))
    assert (stock.received, stock.on_hand) == (D(5), D(5))
