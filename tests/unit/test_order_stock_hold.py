"""A sales order of a branch that refuses short orders waits for inventory to hold its stock
before it enters approval: held in full it is submitted, short it goes back with the reason."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus
from shared.contracts import (
    OrderKind,
    OrderLineInput,
    OrderStockHoldRefused,
    OrderStockHoldRequested,
    OrderSubmitted,
    ReservedLine,
    StockStatus,
    utcnow,
)
from shared.contracts.orders import OrderCommandRejected

D = Decimal


def sales_order(kind: OrderKind = OrderKind.SALES) -> Order:
    order = Order.create(
        order_id="SO-1",
        kind=kind,
        party_id="C-1",
        branch_id="B-1",
        created_by="bob",
        currency="EUR",
        lines=[OrderLineInput(sku="A", quantity=D(4), unit_price=D(1))],
        cart_id="CART-1",
    )
    order.collect_events()
    return order


def held(line: tuple[str, str, str] = ("A", "4", "1")) -> list[ReservedLine]:
    sku, needed, reserved = line
    return [ReservedLine(sku=sku, needed=D(needed), reserved=D(reserved))]


def test_a_hold_is_asked_before_approval_and_locks_the_order() -> None:
    order = sales_order()
    command = uuid4()
    order.submit(by="bob", hold_stock=True, command_id=command)
    [asked] = order.collect_events()
    assert isinstance(asked, OrderStockHoldRequested)
    assert (asked.attempt, asked.submitted_by, asked.cart_id) == (1, "bob", "CART-1")
    assert order.status is OrderStatus.AWAITING_STOCK
    assert order.locked


def test_held_in_full_the_order_enters_approval() -> None:
    order = sales_order()
    order.submit(by="bob", hold_stock=True)
    order.collect_events()
    order.record_stock(
        attempt=1,
        status=StockStatus.CONFIRMED,
        firm=False,
        location_id="L",
        lines=held(("A", "4", "4")),
        at=utcnow(),
    )
    [submitted] = order.collect_events()
    assert isinstance(submitted, OrderSubmitted)
    assert (submitted.attempt, submitted.submitted_by) == (1, "bob")
    assert order.status is OrderStatus.PENDING_APPROVAL


def test_short_the_order_is_a_draft_again_naming_each_item_and_the_submit_is_refused() -> None:
    order = sales_order()
    command = uuid4()
    order.submit(by="bob", hold_stock=True, command_id=command)
    order.collect_events()
    order.record_stock(
        attempt=1, status=StockStatus.SHORT, firm=False, location_id="L", lines=held(), at=utcnow()
    )
    refused, rejected = order.collect_events()
    assert isinstance(refused, OrderStockHoldRefused)
    assert [(s.sku, s.requested, s.available) for s in refused.shortages] == [("A", D(4), D(1))]
    assert "A: 4 requested, 1 available" in refused.detail
    assert refused.cart_id == "CART-1"
    assert isinstance(rejected, OrderCommandRejected)
    assert (rejected.command_message_id, rejected.reason) == (command, "insufficient_stock")
    assert order.status is OrderStatus.DRAFT
    assert order.stock_refusal is not None
    assert order.stock_refusal.attempt == 1
    notes = [h.note for h in order.history if h.status is OrderStatus.DRAFT]
    assert "stock short: A: 4 requested, 1 available" in notes
    # In the order things happened: inventory's report while waiting, then back to a draft.
    assert [(h.status, h.note) for h in order.history[-2:]] == [
        (OrderStatus.AWAITING_STOCK, "stock short: A short by 3"),
        (OrderStatus.DRAFT, "stock short: A: 4 requested, 1 available"),
    ]


def test_the_release_may_come_first_and_refuses_the_same_way_once() -> None:
    order = sales_order()
    order.submit(by="bob", hold_stock=True)
    order.collect_events()
    at = utcnow()
    order.record_stock_released(attempt=1, reason="stock_short", at=at, lines=held())
    order.record_stock(
        attempt=1, status=StockStatus.SHORT, firm=False, location_id="L", lines=held(), at=at
    )
    refusals = [e for e in order.collect_events() if isinstance(e, OrderStockHoldRefused)]
    assert len(refusals) == 1
    assert order.status is OrderStatus.DRAFT


def test_a_resubmission_refused_for_stock_is_rejected_again_not_a_draft() -> None:
    order = sales_order()
    order.submit(by="bob")
    order.reject(attempt=1, level=1, approver_id="ann", notes="no")
    order.submit(by="bob", hold_stock=True)
    order.record_stock(
        attempt=2, status=StockStatus.SHORT, firm=False, location_id="L", lines=held(), at=utcnow()
    )
    assert order.status is OrderStatus.REJECTED


def test_a_purchase_order_or_an_allowing_branch_enters_approval_at_once() -> None:
    order = sales_order(OrderKind.PURCHASE)
    order.submit(by="bob", hold_stock=True)
    assert order.status is OrderStatus.PENDING_APPROVAL
    allowing = sales_order()
    allowing.submit(by="bob")
    assert allowing.status is OrderStatus.PENDING_APPROVAL


def test_an_order_waiting_for_stock_may_be_cancelled_and_a_late_report_changes_nothing() -> None:
    order = sales_order()
    order.submit(by="bob", hold_stock=True)
    order.cancel(by="bob", reason="changed mind")
    order.collect_events()
    order.record_stock(
        attempt=1,
        status=StockStatus.CONFIRMED,
        firm=False,
        location_id="L",
        lines=held(("A", "4", "4")),
        at=utcnow(),
    )
    assert order.status is OrderStatus.CANCELLED
    assert not [e for e in order.collect_events() if isinstance(e, OrderSubmitted)]
