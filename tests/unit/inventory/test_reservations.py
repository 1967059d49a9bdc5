"""What a sales order should hold and when it lets go: attempts, locations, expiry, and what
is reported to the order service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.inventory.domain import (
    ReservationChanged,
    ReservationPlan,
    ReservationState,
    TrackedOrder,
)
from services.inventory.domain.order_parts import OrderState
from shared.contracts import (
    OrderKind,
    OrderLine,
    ReleaseReason,
    ReservationConfirmed,
    ReservationReleased,
    StockReserved,
    utcnow,
)

D = Decimal
EXPIRES = utcnow() + timedelta(hours=1)


def lines(**quantities: str) -> list[OrderLine]:
    return [OrderLine(sku=sku, quantity=D(q), unit_price=D(1)) for sku, q in quantities.items()]


def submitted(
    kind: OrderKind = OrderKind.SALES, *, attempt: int = 1, location: str | None = "L-1", **q: str
) -> TrackedOrder:
    tracked = TrackedOrder.new(order_id="SO-1", kind=kind, party_id="C-1")
    tracked.submitted(
        attempt=attempt,
        branch_id="BR-1",
        lines=lines(**(q or {"A": "2"})),
        sales_location=location,
        expires_at=EXPIRES,
    )
    return tracked


def approve(tracked: TrackedOrder, *, attempt: int = 1, location: str | None = "L-2") -> None:
    tracked.approved(attempt=attempt, branch_id="BR-1", lines=lines(A="2"), sales_location=location)


def test_a_submitted_order_learns_its_branch_and_summed_lines() -> None:
    tracked = submitted(A="2", B="1")
    tracked.submitted(
        attempt=1, branch_id="BR-1", lines=lines(A="9"), sales_location="L-1", expires_at=EXPIRES
    )  # redelivered: not news

    assert (tracked.attempt, tracked.state, tracked.branch_id) == (1, OrderState.SUBMITTED, "BR-1")
    assert [(line.sku, line.ordered) for line in tracked.lines] == [("A", D(2)), ("B", D(1))]
    assert tracked.seq == 1
    same_sku = submitted(A="1")
    same_sku.submitted(
        attempt=2,
        branch_id="BR-1",
        lines=[*lines(A="1"), *lines(A="2")],
        sales_location="L-1",
        expires_at=EXPIRES,
    )
    assert [(line.sku, line.ordered) for line in same_sku.lines] == [("A", D(3))]


def test_an_attempts_lines_are_those_it_was_submitted_with() -> None:
    tracked = submitted(A="2")
    tracked.approved(attempt=1, branch_id="BR-1", lines=lines(A="5"), sales_location="L-1")
    assert [(line.sku, line.ordered) for line in tracked.lines] == [("A", D(2))]


def test_an_approval_seen_before_its_submission_teaches_the_lines() -> None:
    tracked = TrackedOrder.new(order_id="SO-1", kind=OrderKind.SALES, party_id="C-1")
    approve(tracked, location="L-2")

    assert [(line.sku, line.ordered) for line in tracked.lines] == [("A", D(2))]
    assert tracked.reservation is not None
    assert (tracked.reservation.state, tracked.reservation.location_id) == (
        ReservationState.FIRM,
        "L-2",
    )


def test_approval_firms_up_the_reservation_where_the_submission_placed_it() -> None:
    tracked = submitted(location="L-1")
    tracked.record_reservation(_plan(tracked), {"A": D(2)})

    approve(tracked, location="L-2")

    reservation = tracked.reservation
    assert reservation is not None
    assert (reservation.state, reservation.location_id, reservation.expires_at) == (
        ReservationState.FIRM,
        "L-1",
        None,
    )
    assert [line.reserved for line in reservation.lines] == [D(2)]  # until the stock says more
    assert tracked.touched == ["A|L-1"]


def test_a_resubmission_after_a_rejection_is_a_new_attempt_with_new_lines() -> None:
    tracked = submitted(location="L-1", A="2")
    tracked.rejected(attempt=1)
    tracked.submitted(
        attempt=2,
        branch_id="BR-1",
        lines=lines(A="1", B="1"),
        sales_location="L-3",
        expires_at=EXPIRES,
    )

    assert (tracked.attempt, tracked.state) == (2, OrderState.SUBMITTED)
    assert [(line.sku, line.ordered) for line in tracked.lines] == [("A", D(1)), ("B", D(1))]
    assert tracked.touched == ["A|L-1", "A|L-3", "B|L-3"]
    approve(tracked, attempt=2, location="L-9")
    assert tracked.reservation is not None
    assert tracked.reservation.location_id == "L-3"


def test_an_approval_of_a_newer_attempt_takes_the_location_it_names() -> None:
    tracked = submitted(location="L-1")
    approve(tracked, attempt=2, location="L-2")
    assert tracked.reservation is not None
    assert (tracked.reservation.attempt, tracked.reservation.location_id) == (2, "L-2")


def test_a_soft_reservation_is_released_when_it_expires_and_not_before() -> None:
    tracked = submitted()
    tracked.collect_events()

    tracked.expire_reservation(now=EXPIRES - timedelta(seconds=1))
    assert tracked.reservation is not None
    before_expiry = tracked.reservation.state
    assert tracked.collect_events() == []

    tracked.expire_reservation(now=EXPIRES)

    assert before_expiry is ReservationState.SOFT
    assert (tracked.reservation.state, tracked.reservation.reason) == (
        ReservationState.EXPIRED,
        ReleaseReason.EXPIRED,
    )
    [released] = tracked.collect_events()
    assert isinstance(released, ReservationReleased)
    assert (released.reason, released.location_id) == (ReleaseReason.EXPIRED, "L-1")
    assert tracked.reservation_plan() is None


def test_orders_without_a_reservation_have_nothing_to_expire_or_release() -> None:
    po = submitted(OrderKind.PURCHASE)
    po.expire_reservation(now=EXPIRES + timedelta(days=1))
    po.rejected(attempt=1)

    assert (po.reservation, po.state) == (None, OrderState.REJECTED)
    assert po.collect_events() == []
    assert po.reservation_plan() is None


def test_a_rejection_releases_rather_than_expires() -> None:
    tracked = submitted()
    tracked.rejected(attempt=1)
    assert tracked.reservation is not None
    assert (tracked.reservation.state, tracked.reservation.reason) == (
        ReservationState.RELEASED,
        ReleaseReason.REJECTED,
    )


def test_a_change_of_what_to_hold_is_counted_and_marks_the_stock_out_of_date() -> None:
    tracked = submitted()
    since = tracked.dirty_since
    assert since is not None
    approve(tracked)

    assert tracked.seq == 2
    assert tracked.dirty_since == since  # out of date since the first change

    tracked.mark_synced(1)  # an older plan: still out of date
    assert tracked.dirty_since == since
    tracked.mark_synced(2)
    assert tracked.dirty_since is None


def _plan(tracked: TrackedOrder) -> ReservationPlan:
    plan = tracked.reservation_plan()
    assert plan is not None
    return plan


def test_the_plan_holds_what_is_outstanding_at_the_reserved_location() -> None:
    tracked = submitted(location="L-1", A="2", B="3")
    plan = _plan(tracked)

    assert (plan.seq, plan.attempt, plan.location_id) == (1, 1, "L-1")
    assert tracked.reservation_targets() == {"A|L-1": D(2), "B|L-1": D(3)}


def test_without_a_location_nothing_is_held_anywhere() -> None:
    tracked = submitted(location=None)
    assert _plan(tracked).location_id is None
    assert tracked.reservation_targets() == {}


def test_a_full_reservation_is_confirmed_and_a_firm_one_is_reported_as_confirmed() -> None:
    tracked = submitted(A="2", B="1")
    tracked.record_reservation(_plan(tracked), {"A": D(2), "B": D(1)})
    [soft] = tracked.collect_events()
    assert isinstance(soft, StockReserved)
    assert (soft.stock_status, soft.expires_at) == ("confirmed", EXPIRES)

    approve(tracked)
    tracked.record_reservation(_plan(tracked), {"A": D(2)})

    [firm] = tracked.collect_events()
    assert isinstance(firm, ReservationConfirmed)
    assert firm.stock_status == "short"
    assert [(line.sku, line.reserved) for line in firm.lines] == [("A", D(2)), ("B", D(0))]


def test_a_plan_made_before_a_change_is_refused_naming_both() -> None:
    tracked = submitted()
    plan = _plan(tracked)
    approve(tracked)
    with pytest.raises(ReservationChanged, match="SO-1: planned at 1, now 2"):
        tracked.record_reservation(plan, {})


def test_a_reservation_is_announced_once_per_state_and_holding() -> None:
    tracked = submitted(A="2")
    tracked.record_reservation(_plan(tracked), {"A": D(1)})
    [_soft] = tracked.collect_events()

    tracked.record_reservation(_plan(tracked), {"A": D(1)})  # the same fact: a repeat
    assert tracked.collect_events() == []
    assert tracked.dirty_since is None

    tracked.record_reservation(_plan(tracked), {"A": D(2)})  # stock came: a new fact
    [more] = tracked.collect_events()
    assert isinstance(more, StockReserved)
    assert more.stock_status == "confirmed"

    approve(tracked)
    tracked.record_reservation(_plan(tracked), {"A": D(2)})  # same lines, now firm: news
    [firm] = tracked.collect_events()
    assert isinstance(firm, ReservationConfirmed)

    tracked.submitted(
        attempt=1, branch_id="BR-1", lines=lines(A="2"), sales_location="L-1", expires_at=EXPIRES
    )  # a late submission of the approved attempt
    tracked.record_reservation(_plan(tracked), {"A": D(2)})
    assert tracked.collect_events() == []
    assert tracked.reservation is not None
    assert tracked.reservation.state is ReservationState.FIRM


def test_a_new_attempt_announces_its_reservation_even_when_it_holds_the_same() -> None:
    tracked = submitted(A="2")
    tracked.record_reservation(_plan(tracked), {"A": D(2)})
    tracked.rejected(attempt=1)
    tracked.submitted(
        attempt=2, branch_id="BR-1", lines=lines(A="2"), sales_location="L-1", expires_at=EXPIRES
    )
    tracked.collect_events()

    tracked.record_reservation(_plan(tracked), {"A": D(2)})

    [again] = tracked.collect_events()
    assert isinstance(again, StockReserved)
    assert again.attempt == 2


def held_before_approval(**q: str) -> TrackedOrder:
    tracked = TrackedOrder.new(order_id="SO-1", kind=OrderKind.SALES, party_id="C-1")
    tracked.submitted(
        attempt=1,
        branch_id="BR-1",
        lines=lines(**q),
        sales_location="L-1",
        expires_at=EXPIRES,
        all_or_nothing=True,
    )
    return tracked


def test_a_stock_hold_that_comes_up_short_holds_nothing_and_says_why() -> None:
    tracked = held_before_approval(A="4", B="1")
    plan = tracked.reservation_plan()
    assert plan is not None
    tracked.record_reservation(plan, {"A": D(1), "B": D(1)})

    reserved, released = tracked.collect_events()
    assert isinstance(reserved, StockReserved)
    assert reserved.stock_status == "short"
    assert isinstance(released, ReservationReleased)
    assert released.reason is ReleaseReason.STOCK_SHORT
    assert [(line.sku, line.needed, line.reserved) for line in released.lines] == [
        ("A", D(4), D(1)),
        ("B", D(1), D(1)),
    ]
    assert tracked.reservation_plan() is None  # trimmed to nothing
    assert tracked.reservation_targets() == {"A|L-1": D(0), "B|L-1": D(0)}
    assert tracked.dirty_since is not None


def test_a_stock_hold_held_in_full_stays_held_through_its_submission() -> None:
    tracked = held_before_approval(A="4")
    plan = tracked.reservation_plan()
    assert plan is not None
    tracked.record_reservation(plan, {"A": D(4)})
    [reserved] = tracked.collect_events()
    assert isinstance(reserved, StockReserved)
    assert reserved.stock_status == "confirmed"
    seq = tracked.seq
    tracked.submitted(  # order.submitted for the same attempt: nothing new
        attempt=1, branch_id="BR-1", lines=lines(A="4"), sales_location="L-1", expires_at=EXPIRES
    )
    assert tracked.seq == seq
    again = tracked.reservation_plan()
    assert again is not None
    tracked.record_reservation(again, {"A": D(4)})
    assert tracked.collect_events() == []
    assert tracked.reservation is not None
    assert tracked.reservation.state is ReservationState.SOFT
