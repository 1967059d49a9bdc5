"""The order aggregate's rules, without any infrastructure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.order.orders.domain.errors import InvalidTransition, OrderLocked
from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus
from shared.contracts import (
    LevelDecision,
    OrderApproved,
    OrderCreated,
    OrderKind,
    OrderRejected,
    OrderSubmitted,
    Person,
    utcnow,
)
from tests.support.factories import lines


def draft() -> Order:
    return Order.create(
        order_id="PO-1",
        kind=OrderKind.PURCHASE,
        party_id="V-1",
        branch_id="B-1",
        created_by="alice",
        currency="USD",
        lines=lines(("A", "3", "0.335"), ("B", "1", "10")),
    )


def test_a_new_order_is_a_draft_with_its_total_rounded_half_even() -> None:
    order = draft()
    [created] = order.collect_events()
    assert isinstance(created, OrderCreated)
    assert order.status is OrderStatus.DRAFT
    assert order.total == Decimal("11.00")  # 1.005 + 10 = 11.005 -> 11.00 (half even)
    assert created.total == order.total


def test_submitting_locks_the_order_and_starts_attempt_one() -> None:
    order = draft()
    order.submit(by="alice")
    assert order.locked
    assert order.attempt == 1
    submitted = order.collect_events()[-1]
    assert isinstance(submitted, OrderSubmitted)
    assert submitted.attempt == 1
    with pytest.raises(OrderLocked, match="locked"):
        order.update(by="alice", notes="changed")
    with pytest.raises(OrderLocked):
        order.submit(by="alice")


def test_a_decision_for_another_attempt_is_ignored() -> None:
    order = draft()
    order.submit(by="alice")
    order.collect_events()
    order.approve(attempt=2)
    order.reject(attempt=0, level=1, approver_id="mary", notes="stale")
    assert order.status is OrderStatus.PENDING_APPROVAL
    assert order.collect_events() == []


def test_rejection_unlocks_and_resubmission_is_a_new_attempt_with_history() -> None:
    order = draft()
    order.submit(by="alice")
    approved_l1 = LevelDecision(
        level=1, approver=Person(user_id="mary"), decision="approved", decided_at=utcnow()
    )
    order.reject(attempt=1, level=2, approver_id="ann", notes="too much", decisions=[approved_l1])
    assert not order.locked
    assert order.last_rejection is not None
    assert order.last_rejection.notes == "too much"
    assert isinstance(order.collect_events()[-1], OrderRejected)

    order.update(by="alice", lines=lines(("A", "1", "1")))
    order.submit(by="alice")
    order.approve(attempt=2, note="all_levels_approved")
    assert order.status is OrderStatus.APPROVED
    assert isinstance(order.collect_events()[-1], OrderApproved)
    trail = [(h.attempt, h.status.value, h.note) for h in order.history]
    assert trail == [
        (0, "draft", None),
        (1, "pending_approval", None),
        (1, "pending_approval", "level 1 approved"),
        (1, "rejected", "too much"),
        (2, "pending_approval", None),
        (2, "approved", "all_levels_approved"),
    ]


def test_only_open_orders_can_be_cancelled() -> None:
    order = draft()
    order.cancel(by="alice", reason="duplicate")
    assert order.status is OrderStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        order.cancel(by="alice", reason="again")
