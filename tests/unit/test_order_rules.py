"""More order rules: what an edit changes, who did what in the history, the approval progress
an order shows, and what inventory's receipts, issues and stock checks do to it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.order.orders.domain.errors import (
    InvalidTransition,
    NotTheCreator,
    OrderLocked,
    UnknownOrder,
)
from services.order.orders.domain.fulfilment import StockState
from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus, PendingApproval
from shared.contracts import (
    ApprovalApproved,
    ApprovalBasis,
    ApprovalRejected,
    LevelDecision,
    LineProgress,
    OrderApproved,
    OrderCancelled,
    OrderKind,
    OrderRejected,
    OrderUpdated,
    Person,
    ReservedLine,
    StockLine,
    StockStatus,
    utcnow,
)
from tests.support.factories import lines

D = Decimal


def draft(kind: OrderKind = OrderKind.PURCHASE, *, notes: str | None = "rush") -> Order:
    order = Order.create(
        order_id="O-1",
        kind=kind,
        party_id="P-1",
        branch_id="B-1",
        created_by="alice",
        currency="USD",
        lines=lines(("A", "2", "5"), ("B", "1", "10")),
        notes=notes,
    )
    order.collect_events()
    return order


def pending(kind: OrderKind = OrderKind.PURCHASE) -> Order:
    order = draft(kind)
    order.submit(by="alice")
    order.collect_events()
    return order


def approved(kind: OrderKind = OrderKind.PURCHASE) -> Order:
    order = pending(kind)
    order.approve(attempt=1)
    order.collect_events()
    return order


def trail(order: Order) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(h.status.value, h.by, h.level, h.note) for h in order.history]


def decision(level: int, by: str, verdict: str, notes: str | None = None) -> LevelDecision:
    return LevelDecision(
        level=level, approver=Person(user_id=by), decision=verdict, notes=notes, decided_at=utcnow()
    )


# --- editing --------------------------------------------------------------------------------


def test_a_new_order_keeps_its_notes_and_who_created_it() -> None:
    order = draft()
    assert order.notes == "rush"
    assert trail(order) == [("draft", "alice", None, None)]


def test_an_edit_changes_only_what_it_names() -> None:
    order = draft()
    before = order.updated_at

    order.update(by="bob")

    assert (order.lines, order.branch_id, order.currency, order.notes) == (
        draft().lines,
        "B-1",
        "USD",
        "rush",
    )
    order.update(by="bob", lines=lines(("C", "1", "1")), branch_id="B-2", currency="EUR", notes="")
    assert ([line.sku for line in order.lines], order.branch_id, order.currency, order.notes) == (
        ["C"],
        "B-2",
        "EUR",
        "",
    )
    assert order.updated_at >= before
    edits = order.collect_events()
    assert [(type(e), e.updated_by) for e in edits if isinstance(e, OrderUpdated)] == [
        (OrderUpdated, "bob"),
        (OrderUpdated, "bob"),
    ]
    assert len(edits) == 2


def test_refusals_say_what_state_the_order_is_in() -> None:
    order = pending()
    with pytest.raises(
        OrderLocked, match=r"O-1 is pending_approval and locked: .* only as a draft"
    ):
        order.update(by="alice", notes="x")
    with pytest.raises(OrderLocked, match="only a draft or a rejected order can be submitted"):
        order.submit(by="alice")
    order.cancel(by="alice", reason=None)
    with pytest.raises(InvalidTransition, match="O-1 is cancelled and cannot be cancelled"):
        order.cancel(by="alice", reason=None)
    assert str(UnknownOrder("O-9")) == "There is no order 'O-9'; create it first."


# --- approval progress ----------------------------------------------------------------------


def test_a_submitted_order_shows_the_level_and_approver_it_waits_for() -> None:
    order = pending()
    assert order.pending == PendingApproval()
    assert trail(order)[-1] == ("pending_approval", "alice", None, None)

    order.mark_pending(attempt=1, level=2, levels=2, approver_id="ann", approver_name="Ann")

    assert order.pending == PendingApproval(
        level=2, levels=2, approver_id="ann", approver_name="Ann"
    )
    entry = order.history[-1]
    assert (entry.status, entry.attempt, entry.by, entry.level) == (
        OrderStatus.PENDING_APPROVAL,
        1,
        "ann",
        2,
    )
    assert entry.note == "waiting for approval at level 2 of 2"
    assert order.collect_events() == []


def test_approval_progress_for_another_attempt_or_a_decided_order_is_ignored() -> None:
    order = pending()
    order.mark_pending(attempt=2, level=1, levels=1, approver_id="ann", approver_name=None)
    assert order.pending == PendingApproval()

    order.approve(attempt=1)
    order.mark_pending(attempt=1, level=1, levels=1, approver_id="ann", approver_name=None)

    assert order.pending is None
    assert len(order.history) == 3


def test_each_level_decision_is_kept_in_the_history_with_its_notes() -> None:
    order = pending()
    order.approve(
        attempt=1,
        note="all levels approved",
        decisions=[decision(1, "mary", "approved", "ok"), decision(2, "ann", "approved")],
    )
    assert trail(order)[-3:] == [
        ("pending_approval", "mary", 1, "level 1 approved: ok"),
        ("pending_approval", "ann", 2, "level 2 approved"),
        ("approved", None, None, "all levels approved"),
    ]
    assert order.pending is None


def test_a_rejection_records_who_rejected_at_which_level_and_why() -> None:
    order = pending()
    order.reject(
        attempt=1,
        level=2,
        approver_id="ann",
        notes="over budget",
        decisions=[decision(1, "mary", "approved"), decision(2, "ann", "rejected", "no")],
    )

    assert order.pending is None
    rejection = order.last_rejection
    assert rejection is not None
    assert (rejection.attempt, rejection.level, rejection.approver_id) == (1, 2, "ann")
    assert trail(order)[-2:] == [
        ("pending_approval", "mary", 1, "level 1 approved"),
        ("rejected", "ann", 2, "over budget"),
    ]
    [rejected] = order.collect_events()
    assert isinstance(rejected, OrderRejected)
    assert (rejected.level, rejected.approver_id, rejected.notes) == (2, "ann", "over budget")


def test_cancelling_records_who_and_why() -> None:
    order = pending()
    order.cancel(by="alice", reason="duplicate")

    assert order.pending is None
    assert trail(order)[-1] == ("cancelled", "alice", None, "duplicate")
    [cancelled] = order.collect_events()
    assert isinstance(cancelled, OrderCancelled)
    assert (cancelled.cancelled_by, cancelled.reason) == ("alice", "duplicate")


# --- receipts and issues --------------------------------------------------------------------


def deliver(order: Order, document_id: str, *, a: str, b: str, by: str = "clerk") -> None:
    order.record_delivery(
        document_id=document_id,
        location_id="L-1",
        lines=[StockLine(sku="A", quantity=D(a))],
        by=by,
        to_date=[
            LineProgress(sku="A", ordered=D(2), fulfilled=D(a)),
            LineProgress(sku="B", ordered=D(1), fulfilled=D(b)),
        ],
    )


def test_receipts_move_a_purchase_order_to_partly_then_fully_received_and_completed() -> None:
    order = approved(OrderKind.PURCHASE)
    statuses = []
    for document_id, a, b in (("GR-1", "1", "0"), ("GR-1", "1", "0"), ("GR-2", "2", "1")):
        deliver(order, document_id, a=a, b=b)  # GR-1 twice: the same receipt again
        statuses.append(order.status)
    deliver(order, "GR-3", a="2", b="1", by="late")  # a later document is only noted

    assert statuses == [
        OrderStatus.PARTIALLY_RECEIVED,
        OrderStatus.PARTIALLY_RECEIVED,
        OrderStatus.COMPLETED,
    ]

    assert [d.document_id for d in order.deliveries] == ["GR-1", "GR-2", "GR-3"]
    assert trail(order)[-4:] == [
        ("partially_received", "clerk", None, "received GR-1: A x 1"),
        ("received", "clerk", None, "received GR-2: A x 2"),
        ("completed", "clerk", None, None),
        ("completed", "late", None, "received GR-3: A x 2"),
    ]


def test_issues_move_a_sales_order_to_partly_issued_then_completed() -> None:
    order = approved(OrderKind.SALES)
    deliver(order, "GI-1", a="2", b="0")
    assert trail(order)[-1] == ("partially_issued", "clerk", None, "issued GI-1: A x 2")
    deliver(order, "GI-2", a="2", b="1")
    assert trail(order)[-1] == ("completed", "clerk", None, "issued GI-2: A x 2")


# --- stock checks of sales orders -----------------------------------------------------------


def report(order: Order, *, reserved: str, attempt: int = 1, at_offset: int = 0) -> None:
    order.record_stock(
        attempt=attempt,
        status=StockStatus.SHORT if D(reserved) < 2 else StockStatus.CONFIRMED,
        firm=False,
        location_id="L-1",
        lines=[
            ReservedLine(sku="A", needed=D(2), reserved=D(reserved)),
            ReservedLine(sku="B", needed=D(1), reserved=D(1)),
        ],
        at=AT + timedelta(seconds=at_offset),
    )


AT = utcnow()


def test_a_stock_check_is_kept_with_the_shortages_named() -> None:
    order = pending(OrderKind.SALES)
    report(order, reserved="1")

    stock = order.stock
    assert stock is not None
    assert (stock.status, stock.location_id, [line.sku for line in stock.lines]) == (
        StockState.SHORT,
        "L-1",
        ["A", "B"],
    )
    assert order.history[-1].note == "stock short: A short by 1"
    assert order.history[-1].attempt == 1
    order.record_stock(
        attempt=1,
        status=StockStatus.SHORT,
        firm=True,
        location_id="L-1",
        lines=[
            ReservedLine(sku="A", needed=D(2), reserved=D(0)),
            ReservedLine(sku="B", needed=D(1), reserved=D("0.5")),
        ],
        at=AT,
    )
    assert order.history[-1].note == "stock short, held firm: A short by 2, B short by 0.5"
    report(order, reserved="2", at_offset=1)
    assert order.history[-1].note == "stock confirmed"
    assert order.stock is not None
    assert order.stock.firm is False


def test_only_the_latest_stock_report_of_the_current_attempt_counts() -> None:
    order = pending(OrderKind.SALES)
    report(order, reserved="2", at_offset=10)
    report(order, reserved="1", at_offset=5)  # older, arrived late
    report(order, reserved="1", attempt=2, at_offset=20)  # not this order's attempt
    kept = order.stock
    report(order, reserved="1", at_offset=10)  # as recent as the last: the later one wins

    assert kept is not None
    assert kept.status is StockState.CONFIRMED
    assert order.stock is not None
    assert order.stock.status is StockState.SHORT


def test_released_stock_is_recorded_with_its_reason() -> None:
    order = pending(OrderKind.SALES)
    report(order, reserved="2")

    order.record_stock_released(attempt=1, reason="expired", at=AT + timedelta(seconds=1))

    assert order.stock is not None
    assert (order.stock.status, order.stock.released_because, order.stock.attempt) == (
        StockState.RELEASED,
        "expired",
        1,
    )
    assert order.stock.at == AT + timedelta(seconds=1)
    assert order.history[-1].note == "reserved stock released (expired)"


def test_a_stale_release_changes_nothing() -> None:
    order = pending(OrderKind.SALES)
    report(order, reserved="2", at_offset=5)

    order.record_stock_released(attempt=1, reason="expired", at=AT)
    order.record_stock_released(attempt=2, reason="expired", at=AT + timedelta(seconds=9))

    assert order.stock is not None
    assert order.stock.status is StockState.CONFIRMED
    assert order.history[-1].note == "stock confirmed"


def test_purchase_orders_take_no_stock_reports() -> None:
    order = pending(OrderKind.PURCHASE)
    report(order, reserved="2")
    order.record_stock_released(attempt=1, reason="expired", at=AT)
    assert order.stock is None


# --- who reworks a rejected order -------------------------------------------------------------


def rejected_order() -> Order:
    order = pending()
    order.reject(attempt=1, level=1, approver_id="ann", notes="too dear")
    order.collect_events()
    return order


def test_only_the_creator_or_an_admin_may_change_or_resubmit_a_rejected_order() -> None:
    order = rejected_order()
    with pytest.raises(NotTheCreator, match="only its creator alice or an admin may change"):
        order.update(by="mallory", notes="mine now")
    with pytest.raises(NotTheCreator, match="may resubmit it, not mallory"):
        order.submit(by="mallory")
    assert (order.status, order.attempt, order.notes) == (OrderStatus.REJECTED, 1, "rush")

    order.update(by="root", notes="fixed by an admin", by_admin=True)
    order.update(by="alice", notes="fixed")
    order.submit(by="alice")
    assert (order.status, order.attempt) == (OrderStatus.PENDING_APPROVAL, 2)


def test_an_admin_may_resubmit_a_rejected_order() -> None:
    order = rejected_order()
    order.submit(by="root", by_admin=True)
    assert order.status is OrderStatus.PENDING_APPROVAL


def test_anyone_who_may_send_it_edits_a_draft() -> None:
    order = draft()
    order.update(by="bob", notes="bob helps")
    order.submit(by="bob")
    assert order.status is OrderStatus.PENDING_APPROVAL


def test_the_outcome_carries_the_approval_decision_it_took() -> None:
    approving = ApprovalApproved(
        request_id="O-1:1",
        order_id="O-1",
        order_kind=OrderKind.PURCHASE,
        party_id="P-1",
        attempt=1,
        creator=Person(user_id="alice"),
        notify=True,
        basis=ApprovalBasis.ALL_LEVELS_APPROVED,
    )
    order = pending()
    order.approve(attempt=1, decision=approving)
    [approved_event] = order.collect_events()
    assert isinstance(approved_event, OrderApproved)
    assert approved_event.decision == approving

    rejecting = ApprovalRejected(
        **approving.model_dump(include={"request_id", "order_id", "order_kind", "party_id"}),
        attempt=1,
        creator=Person(user_id="alice"),
        notify=True,
        level=1,
        approver=Person(user_id="ann"),
        notes="no",
    )
    order = pending()
    order.reject(attempt=1, level=1, approver_id="ann", notes="no", decision=rejecting)
    [rejected_event] = order.collect_events()
    assert isinstance(rejected_event, OrderRejected)
    assert rejected_event.decision == rejecting
