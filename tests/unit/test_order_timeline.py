"""What an order's timeline says about each event, in a line a person reads at a glance."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.order.common.domain.timeline import entry, summarize
from shared.contracts import (
    ApprovalApproved,
    ApprovalBasis,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    Availability,
    GoodsReceived,
    LineAvailability,
    LineProgress,
    Message,
    OrderCompleted,
    OrderKind,
    OrderStockHoldRefused,
    OrderSubmitted,
    Person,
    ReleaseReason,
    ReservationConfirmed,
    ReservationReleased,
    StockLine,
    StockReserved,
    StockStatus,
    utcnow,
)

D = Decimal
FACTS = {
    "request_id": "R-1",
    "order_id": "O-1",
    "order_kind": OrderKind.SALES,
    "party_id": "C-1",
    "attempt": 2,
    "creator": Person(user_id="alice"),
}
HELD = {"order_id": "O-1", "attempt": 1, "location_id": "L-1", "lines": []}
DONE = {"order_id": "O-1", "kind": OrderKind.SALES, "party_id": "C-1", "branch_id": "B-1"}


@pytest.mark.parametrize(
    ("message", "summary"),
    [
        (
            ApprovalPending(**FACTS, level=1, levels=2, approver=Person(user_id="m", name="Mia")),
            "level 1 of 2 waiting for Mia",
        ),
        (
            ApprovalPending(**FACTS, level=2, levels=2, approver=Person(user_id="boss")),
            "level 2 of 2 waiting for boss",
        ),
        (
            ApprovalApproved(**FACTS, basis=ApprovalBasis.NO_CYCLE),
            "approved (no_cycle), attempt 2",
        ),
        (
            ApprovalRejected(**FACTS, level=1, approver=Person(user_id="m"), notes="too dear"),
            "rejected at level 1 by m: too dear",
        ),
        (
            ApprovalRejected(**FACTS, level=2, approver=Person(user_id="m")),
            "rejected at level 2 by m",
        ),
        (
            StockReserved(**HELD, stock_status=StockStatus.SHORT, expires_at=utcnow()),
            "stock short at L-1",
        ),
        (
            ReservationConfirmed(**HELD, stock_status=StockStatus.CONFIRMED),
            "stock confirmed at L-1, held firm",
        ),
        (
            OrderStockHoldRefused(
                **DONE,
                attempt=1,
                submitted_by="bob",
                detail="A: 4 requested, 1 available",
                shortages=[
                    LineAvailability(
                        sku="A",
                        requested=D(4),
                        available=D(1),
                        status=Availability.SHORT,
                    )
                ],
            ),
            "stock short: A 4 requested, 1 available",
        ),
        (
            StockReserved(
                **{**HELD, "location_id": None}, stock_status=StockStatus.SHORT, expires_at=None
            ),
            "stock short (the branch has no sales location)",
        ),
        (
            ReservationReleased(**HELD, reason=ReleaseReason.EXPIRED),
            "reservation released (expired)",
        ),
        (
            GoodsReceived(
                order_id="O-1",
                receipt_id="GR-1",
                location_id="L-1",
                branch_id="B-1",
                lines=[StockLine(sku="A", quantity=D(1))],
                received_by="clerk",
                order_lines=[LineProgress(sku="A", ordered=D(1), fulfilled=D(1))],
                fully_received=True,
            ),
            "receipt GR-1 at L-1",
        ),
        (
            OrderCompleted(**DONE, lines=[], closed_short=True, reason="gone", completed_by="b"),
            "closed short by b: gone",
        ),
        (OrderCompleted(**DONE, lines=[]), None),
    ],
)
def test_each_event_is_summed_up(message: Message, summary: str | None) -> None:
    assert summarize(message) == summary


def test_an_entry_names_the_service_the_event_and_its_message() -> None:
    submitted = OrderSubmitted(
        order_id="O-1",
        kind=OrderKind.SALES,
        party_id="C-1",
        branch_id="B-1",
        created_by="alice",
        currency="USD",
        lines=[],
        total=D(0),
        attempt=3,
        submitted_by="alice",
    )
    seen = entry(submitted)
    assert (seen.at, seen.service, seen.event, seen.message_id, seen.summary) == (
        submitted.occurred_at,
        "order",
        "order.submitted",
        str(submitted.message_id),
        "attempt 3 submitted by alice",
    )
    held = entry(ReservationReleased(**HELD, reason=ReleaseReason.CLOSED_SHORT))
    assert (held.service, held.event) == ("inventory", "inventory.reservation_released")


def _moved(reason: str, by: str) -> ApprovalReassigned:
    return ApprovalReassigned(
        **FACTS,
        level=1,
        levels=1,
        approver=Person(user_id="ada", name="Ada"),
        previous_approver=Person(user_id="mary"),
        reassigned_by=by,
        reason=reason,
    )


def test_an_escalation_is_the_approval_service_s_doing_and_a_move_by_someone_is_theirs() -> None:
    escalated = entry(_moved("escalated", "system"))
    assert (escalated.by, escalated.by_kind) == ("approval", "service")
    assert escalated.summary == "level 1 escalated from mary to Ada"
    delegated = entry(_moved("delegated", "mary"))
    assert (delegated.by, delegated.by_kind) == ("mary", "person")
    assert delegated.summary == "level 1 delegated from mary to Ada"
    left = entry(_moved("approver_deactivated", "root"))
    assert (left.by, left.by_kind, left.summary) == (
        "root",
        "person",
        "level 1 moved from mary to Ada",
    )
