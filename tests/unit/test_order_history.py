"""An order's status history reads in the order things happened: a level's decision comes
before the next level's wait, each decision once, and a level moved from an approver who left
says from whom, to whom and by whom."""

from __future__ import annotations

from datetime import timedelta

from services.order.orders.domain.order import Order
from shared.contracts import LevelDecision, OrderKind, Person, utcnow
from tests.support.factories import lines


def submitted() -> Order:
    order = Order.create(
        order_id="PO-1",
        kind=OrderKind.PURCHASE,
        party_id="V",
        branch_id="B",
        created_by="alice",
        currency="EUR",
        lines=lines(("A", "2", "5")),
    )
    order.submit(by="alice")
    order.collect_events()
    return order


def notes(order: Order) -> list[str | None]:
    return [entry.note for entry in order.history]


def approved_by(level: int, who: str, notes: str | None = None) -> LevelDecision:
    return LevelDecision(
        level=level,
        approver=Person(user_id=who),
        decision="approved",
        notes=notes,
        decided_at=utcnow(),
    )


def test_level_one_approval_comes_before_level_two_waiting() -> None:
    order = submitted()
    order.mark_pending(attempt=1, level=1, levels=2, approver_id="mary", approver_name=None)
    first = approved_by(1, "mary", "fine")
    order.mark_pending(
        attempt=1, level=2, levels=2, approver_id="ann", approver_name=None, decisions=[first]
    )
    order.approve(attempt=1, note="all_levels_approved", decisions=[first, approved_by(2, "ann")])

    assert notes(order)[2:] == [
        "waiting for approval at level 1 of 2",
        "level 1 approved: fine",
        "waiting for approval at level 2 of 2",
        "level 2 approved",
        "all_levels_approved",
    ]
    times = [entry.at for entry in order.history]
    assert times == sorted(times)


def test_a_level_two_rejection_keeps_level_one_once() -> None:
    order = submitted()
    first = approved_by(1, "mary")
    order.mark_pending(
        attempt=1, level=2, levels=2, approver_id="ann", approver_name=None, decisions=[first]
    )
    rejected = LevelDecision(
        level=2, approver=Person(user_id="ann"), decision="rejected", decided_at=utcnow()
    )
    order.reject(attempt=1, level=2, approver_id="ann", notes="no", decisions=[first, rejected])
    assert notes(order).count("level 1 approved") == 1
    assert notes(order)[-3:] == ["level 1 approved", "waiting for approval at level 2 of 2", "no"]


def test_the_waiting_entry_is_dated_when_the_approval_service_opened_it() -> None:
    order = submitted()
    opened = utcnow() - timedelta(seconds=5)
    order.mark_pending(
        attempt=1, level=1, levels=1, approver_id="mary", approver_name=None, at=opened
    )
    assert order.history[-1].at == opened


def test_a_reassigned_level_says_from_whom_to_whom_and_by_whom() -> None:
    order = submitted()
    order.mark_pending(attempt=1, level=1, levels=1, approver_id="mary", approver_name="Mary")
    order.mark_pending(
        attempt=1,
        level=1,
        levels=1,
        approver_id="bob",
        approver_name="Bob",
        reassigned=("mary", "root"),
    )
    assert order.pending is not None
    assert (order.pending.approver_id, order.pending.approver_name) == ("bob", "Bob")
    assert notes(order)[-1] == "level 1 reassigned from mary to bob by root"
    assert order.history[-1].by == "bob"


def test_news_of_a_level_that_arrives_late_changes_nothing() -> None:
    order = submitted()
    now = utcnow()
    order.mark_pending(
        attempt=1,
        level=1,
        levels=2,
        approver_id="bob",
        approver_name=None,
        at=now,
        reassigned=("mary", "root"),
    )
    # The level's first word (waiting for mary) comes after the reassignment it preceded.
    order.mark_pending(
        attempt=1,
        level=1,
        levels=2,
        approver_id="mary",
        approver_name=None,
        at=now - timedelta(seconds=1),
    )
    assert order.pending is not None
    assert order.pending.approver_id == "bob"
    order.mark_pending(
        attempt=1,
        level=2,
        levels=2,
        approver_id="ann",
        approver_name=None,
        at=now + timedelta(seconds=1),
    )
    order.mark_pending(  # level 1's news after level 2 waits
        attempt=1,
        level=1,
        levels=2,
        approver_id="bob",
        approver_name=None,
        at=now + timedelta(seconds=2),
        reassigned=("mary", "root"),
    )
    assert (order.pending.level, order.pending.approver_id) == (2, "ann")
    assert notes(order)[-1] == "waiting for approval at level 2 of 2"
