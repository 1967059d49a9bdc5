"""Delegation while an approver is away, reminders and escalation, driven through the
handlers with in-memory stores on a clock the tests move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.approval.domain import RequestStatus, User, UserDetails
from services.approval.domain.errors import InvalidDelegate, NotAway, NotPermitted
from services.approval.domain.resolution import Resolved, delegated
from services.approval.domain.thresholds import Rates
from services.approval.domain.users import Away
from services.approval.handlers import ApprovalHandlers
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApprovalReminderDue,
    ApproveRequest,
    AssignParty,
    AwayCleared,
    AwaySet,
    ClearAway,
    CycleDefined,
    DefineCycle,
    LevelRule,
    OrderKind,
    Person,
    RejectRequest,
    SetAway,
    UpsertUser,
)
from tests.support.billing import MovedClock
from tests.unit.test_approval_handlers import FakeStores, submitted

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
HOURS = timedelta(hours=1)


async def world(
    *, remind: timedelta | None = None, escalate: timedelta | None = None, **level: object
) -> tuple[FakeStores, ApprovalHandlers, MovedClock]:
    """Users adam, ann (admins), dave (not admin), alice (creator), zed (inactive); cycle C
    for vendor V, level 1 approved by adam, fallback ann."""
    stores = FakeStores()
    handlers = ApprovalHandlers(stores, rates=Rates("USD", {}))
    clock = MovedClock(START)
    handlers.clock = clock
    for user in (
        UpsertUser(user_id="adam", name="Adam", admin=True, changed_by="r"),
        UpsertUser(user_id="ann", name="Ann", admin=True, changed_by="r"),
        UpsertUser(user_id="dave", name="Dave", changed_by="r"),
        UpsertUser(user_id="alice", name="Alice", changed_by="r"),
        UpsertUser(user_id="zed", name="Zed", changed_by="r"),
        UpsertUser(user_id="zed", name="Zed", active=False, changed_by="r"),
    ):
        await handlers.upsert_user(user)
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=[LevelRule(approver="named_user", user_id="adam", **level)],
            fallback_approver_id="ann",
            remind_after=remind,
            escalate_after=escalate,
            defined_by="r",
        )
    )
    await handlers.assign_party(AssignParty(cycle_id="C", party_id="V", assigned_by="r"))
    return stores, handlers, clock


def away(user: str = "adam", delegate: str = "ann", by: str = "adam", **at: datetime) -> SetAway:
    return SetAway(
        user_id=user,
        delegate_id=delegate,
        starts_at=at.get("starts", START),
        ends_at=at.get("ends", START + 48 * HOURS),
        set_by=by,
    )


async def test_a_request_arriving_while_away_goes_to_the_delegate_on_their_behalf() -> None:
    stores, handlers, _ = await world()
    await handlers.set_away(away())
    await handlers.order_submitted(submitted("V"))
    [pending] = stores.requests.events(ApprovalPending)
    assert pending.approver.user_id == "ann"
    assert pending.on_behalf_of is not None
    assert pending.on_behalf_of.user_id == "adam"
    assert pending.via == "delegate"
    await handlers.approve(
        ApproveRequest(request_id=pending.request_id, level=1, approver_id="ann")
    )
    [approved] = stores.requests.events(ApprovalApproved)
    [decision] = approved.decisions
    assert decision.approver.user_id == "ann"
    assert decision.on_behalf_of is not None
    assert decision.on_behalf_of.user_id == "adam"


async def test_before_and_after_the_range_the_approver_decides_themself() -> None:
    stores, handlers, clock = await world()
    await handlers.set_away(away(starts=START + HOURS, ends=START + 2 * HOURS))
    await handlers.order_submitted(submitted("V", attempt=1))
    clock.move(hours=2)  # the range ended (ends_at is not in it)
    await handlers.order_submitted(submitted("V", attempt=2))
    assert [p.approver.user_id for p in stores.requests.events(ApprovalPending)] == [
        "adam",
        "adam",
    ]


async def test_waiting_requests_move_when_the_range_starts_on_the_schedule() -> None:
    stores, handlers, clock = await world()
    await handlers.order_submitted(submitted("V"))
    await handlers.set_away(away(starts=START + HOURS))
    [set_event] = stores.users.events(AwaySet)
    assert set_event.moved_requests == []
    clock.move(minutes=59)
    assert await handlers.run_schedule() == 0
    clock.move(minutes=1)
    assert await handlers.run_schedule() == 1
    [moved] = stores.requests.events(ApprovalReassigned)
    assert (moved.reason, moved.previous_approver.user_id, moved.approver.user_id) == (
        "delegated",
        "adam",
        "ann",
    )
    assert moved.reassigned_by == "adam"
    assert moved.on_behalf_of is not None
    assert moved.on_behalf_of.user_id == "adam"
    assert (moved.via, [r.applies for r in moved.routing]) == ("reassigned", [True])
    assert await handlers.run_schedule() == 0  # moved once
    request = await stores.requests.get(moved.request_id)
    assert request is not None
    [history] = request.reassignments
    assert (history.reason, history.by, history.at) == ("delegated", "adam", START + HOURS)
    assert history.on_behalf_of is not None
    assert history.on_behalf_of.user_id == "adam"
    await handlers.approve(ApproveRequest(request_id=request.id, level=1, approver_id="ann"))
    [approved] = stores.requests.events(ApprovalApproved)
    assert [d.on_behalf_of.user_id for d in approved.decisions if d.on_behalf_of] == ["adam"]


async def test_waiting_requests_move_at_once_when_the_range_has_started() -> None:
    stores, handlers, _ = await world()
    await handlers.order_submitted(submitted("V"))
    command = away(by="ann", starts=START - HOURS)  # an admin sets it for adam
    await handlers.set_away(command)
    await handlers.set_away(command)  # redelivered: nothing moves twice
    [set_event] = stores.users.events(AwaySet)
    assert set_event.moved_requests == ["PO-9:1"]
    adam = await stores.users.get("adam")
    assert adam is not None
    assert adam.away_starts_pending is None  # nothing left for the schedule
    [moved] = stores.requests.events(ApprovalReassigned)
    assert moved.approver.user_id == "ann"


async def test_a_delegate_who_created_the_order_passes_it_to_the_fallback() -> None:
    stores, handlers, _ = await world()
    await handlers.upsert_user(UpsertUser(user_id="alice", name="Al", admin=True, changed_by="r"))
    await handlers.set_away(away(delegate="alice"))
    await handlers.order_submitted(submitted("V"))  # alice created it
    [pending] = stores.requests.events(ApprovalPending)
    assert pending.approver.user_id == "ann"
    assert pending.via == "fallback"
    assert pending.on_behalf_of is not None


async def test_a_non_admin_delegate_does_not_take_a_named_admins_level() -> None:
    stores, handlers, _ = await world()
    await handlers.set_away(away(delegate="dave"))
    await handlers.order_submitted(submitted("V"))
    [pending] = stores.requests.events(ApprovalPending)
    assert pending.approver.user_id == "ann"  # the fallback, not dave


@pytest.mark.parametrize(
    ("command", "error", "detail"),
    [
        (away(delegate="adam"), InvalidDelegate, "adam cannot be the delegate of adam: is the"),
        (away(delegate="zed"), InvalidDelegate, "of adam: is inactive; name an active user other"),
        (
            away(delegate="nobody"),
            InvalidDelegate,
            "^nobody cannot be the delegate of adam: is not ",
        ),
        (away(by="dave"), NotPermitted, "only they themself or an active admin"),
    ],
)
async def test_a_bad_away_is_refused_and_nothing_changes(
    command: SetAway, error: type[Exception], detail: str
) -> None:
    stores, handlers, _ = await world()
    await handlers.order_submitted(submitted("V"))
    before = dict(stores.users.docs), dict(stores.requests.docs)
    with pytest.raises(error, match=detail) as refused:
        await handlers.set_away(command)
    if error is InvalidDelegate:
        assert str(refused.value).endswith("; name an active user other than the approver.")
    assert (stores.users.docs, stores.requests.docs) == before


async def test_clearing_away_stops_delegation_and_keeps_what_moved() -> None:
    stores, handlers, _ = await world()
    await handlers.order_submitted(submitted("V", attempt=1))
    await handlers.set_away(away(starts=START - HOURS))
    await handlers.clear_away(ClearAway(user_id="adam", cleared_by="adam"))
    [cleared] = stores.users.events(AwayCleared)
    assert cleared.delegate_id == "ann"
    first = await stores.requests.get("PO-9:1")
    assert first is not None
    assert first.approver is not None
    assert first.approver.user_id == "ann"
    with pytest.raises(NotAway, match="adam is not away: there is nothing to clear"):
        await handlers.clear_away(ClearAway(user_id="adam", cleared_by="adam"))


async def test_a_waiting_request_is_reminded_each_interval_then_escalated_once() -> None:
    stores, handlers, clock = await world(remind=4 * HOURS, escalate=24 * HOURS)
    await handlers.order_submitted(submitted("V"))
    clock.move(hours=3, minutes=59)
    assert await handlers.run_schedule() == 0
    clock.move(minutes=1)
    assert await handlers.run_schedule() == 1
    clock.move(hours=9)  # 13 hours: reminder 3 is due, 2 was missed: one e-mail, numbered 3
    assert await handlers.run_schedule() == 1
    reminders = stores.requests.events(ApprovalReminderDue)
    assert [(r.reminder, r.approver.user_id) for r in reminders] == [(1, "adam"), (3, "adam")]
    assert reminders[0].escalates_at == START + 24 * HOURS
    assert reminders[0].via == "named"
    assert reminders[0].waiting_since == START
    clock.move_to(START + 24 * HOURS)
    assert await handlers.run_schedule() == 1
    [escalated] = stores.requests.events(ApprovalReassigned)
    assert (escalated.reason, escalated.approver.user_id) == ("escalated", "ann")
    assert escalated.previous_approver.user_id == "adam"
    assert escalated.reassigned_by == "system"
    clock.move(hours=4)  # the fallback's own wait: reminded, never escalated again
    assert await handlers.run_schedule() == 1
    assert stores.requests.events(ApprovalReminderDue)[-1].approver.user_id == "ann"
    assert stores.requests.events(ApprovalReminderDue)[-1].escalates_at is None
    clock.move(hours=100)
    await handlers.run_schedule()
    assert len(stores.requests.events(ApprovalReassigned)) == 1


async def test_a_decided_request_is_neither_reminded_nor_escalated() -> None:
    stores, handlers, clock = await world(remind=HOURS, escalate=2 * HOURS)
    await handlers.order_submitted(submitted("V"))
    await handlers.approve(ApproveRequest(request_id="PO-9:1", level=1, approver_id="adam"))
    clock.move(hours=10)
    assert await handlers.run_schedule() == 0
    request = await stores.requests.get("PO-9:1")
    assert request is not None
    assert (request.status, request.due_at) == (RequestStatus.APPROVED, None)


async def test_an_unusable_fallback_leaves_the_request_and_says_why() -> None:
    stores, handlers, clock = await world(escalate=HOURS)
    await handlers.order_submitted(submitted("V"))
    await handlers.upsert_user(UpsertUser(user_id="ann", name="Ann", changed_by="r"))  # no admin
    clock.move(hours=1)
    assert await handlers.run_schedule() == 1
    request = await stores.requests.get("PO-9:1")
    assert request is not None
    assert request.approver is not None
    assert request.approver.user_id == "adam"
    assert request.escalation_note is not None
    assert "ann" in request.escalation_note
    assert stores.requests.events(ApprovalReassigned) == []
    assert await handlers.run_schedule() == 0


async def test_escalation_without_a_fallback_is_refused() -> None:
    from services.approval.domain import FallbackRequired

    stores, handlers, _ = await world()
    with pytest.raises(FallbackRequired, match=r"^A cycle that escalates \(escalate_after\) needs"):
        await handlers.define_cycle(
            DefineCycle(
                cycle_id="C2",
                name="C2",
                order_kind=OrderKind.PURCHASE,
                levels=[LevelRule(approver="named_user", user_id="adam")],
                escalate_after=HOURS,
                defined_by="r",
            )
        )
    assert await stores.cycles.get("C2") is None


async def test_a_threshold_change_applies_to_orders_submitted_afterwards() -> None:
    stores, handlers, _ = await world(above=Decimal(10))
    await handlers.order_submitted(submitted("V", attempt=1))  # total 1: below
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=[LevelRule(approver="named_user", user_id="adam", above=Decimal("0.5"))],
            fallback_approver_id="ann",
            defined_by="r",
        )
    )
    await handlers.order_submitted(submitted("V", attempt=2))
    first, second = [await stores.requests.get(f"PO-9:{n}") for n in (1, 2)]
    assert first is not None
    assert second is not None
    assert (first.status, first.cycle_revision) == (RequestStatus.APPROVED, 1)
    assert (second.status, second.cycle_revision) == (RequestStatus.PENDING, 2)


async def test_a_delegate_s_rejection_names_whom_it_was_for() -> None:
    stores, handlers, _ = await world()
    await handlers.set_away(away())
    await handlers.order_submitted(submitted("V"))
    await handlers.reject(
        RejectRequest(request_id="PO-9:1", level=1, approver_id="ann", notes="too dear")
    )
    [rejected] = stores.requests.events(ApprovalRejected)
    [decision] = rejected.decisions
    assert decision.approver.user_id == "ann"
    assert decision.on_behalf_of is not None
    assert decision.on_behalf_of.user_id == "adam"


async def test_only_a_waiting_request_has_something_due() -> None:
    stores, handlers, _ = await world(escalate=2 * HOURS)
    await handlers.order_submitted(submitted("V"))
    request = await stores.requests.get("PO-9:1")
    assert request is not None
    assert request.due(START + HOURS) is None  # no reminders, and not yet escalation
    assert request.due(START + 2 * HOURS) == "escalate"
    await handlers.approve(ApproveRequest(request_id="PO-9:1", level=1, approver_id="adam"))
    decided = await stores.requests.get("PO-9:1")
    assert decided is not None
    assert decided.waiting_since == START
    assert decided.due(START + 100 * HOURS) is None


async def test_the_next_level_waits_from_the_approval_on_the_clock() -> None:
    stores, handlers, clock = await world(remind=HOURS)
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=[
                LevelRule(approver="named_user", user_id="adam"),
                LevelRule(approver="named_user", user_id="ann"),
            ],
            fallback_approver_id="ann",
            remind_after=HOURS,
            defined_by="r",
        )
    )
    await handlers.order_submitted(submitted("V"))
    clock.move(minutes=30)
    await handlers.approve(ApproveRequest(request_id="PO-9:1", level=1, approver_id="adam"))
    request = await stores.requests.get("PO-9:1")
    assert request is not None
    assert (request.level, request.waiting_since, request.reminders) == (2, clock.now, 0)
    assert request.opened_at == START
    assert [len(p.decisions) for p in stores.requests.events(ApprovalPending)] == [0, 1]
    clock.move(minutes=5)
    await handlers.approve(ApproveRequest(request_id="PO-9:1", level=2, approver_id="ann"))
    done = await stores.requests.get("PO-9:1")
    assert done is not None
    assert done.decided_at == clock.now
    assert request.due_at == START + timedelta(minutes=30) + HOURS


async def test_the_cycle_announces_its_intervals_and_base_currency() -> None:
    stores, _, _ = await world(remind=HOURS, escalate=2 * HOURS)
    [defined] = stores.cycles.events(CycleDefined)
    assert (defined.remind_after, defined.escalate_after, defined.base_currency) == (
        HOURS,
        2 * HOURS,
        "USD",
    )


def _users(*users: User) -> dict[str, User]:
    return {user.id: user for user in users}


def _away_adam(delegate: str) -> User:
    adam = User.register("adam", UserDetails(name="Adam", admin=True))
    adam.away = Away(delegate_id=delegate, starts_at=START, ends_at=START + HOURS, set_by="adam")
    return adam


def test_delegation_leaves_an_unresolved_level_as_it_is() -> None:
    nobody = Resolved(None, "unresolved", "no approver")
    assert (
        delegated(
            nobody, needs_admin=True, creator_id="alice", fallback_id=None, users={}, now=START
        )
        is nobody
    )


@pytest.mark.parametrize(
    ("fallback", "expected"),
    [
        (User.register("ann", UserDetails(name="Ann", admin=True)), "ann"),
        (User.register("ann", UserDetails(name="Ann")), "adam"),  # no admin: no fallback
        (User.register("alice", UserDetails(name="Al", admin=True)), "adam"),  # the creator
    ],
)
def test_when_the_delegate_may_not_the_fallback_may_or_the_approver_keeps_it(
    fallback: User, expected: str
) -> None:
    users = _users(_away_adam("alice"), User.register("alice", UserDetails(name="Al")), fallback)
    resolved = delegated(
        Resolved(Person(user_id="adam"), "named"),
        needs_admin=True,
        creator_id="alice",
        fallback_id=fallback.id,
        users=users,
        now=START,
    )
    assert resolved.approver is not None
    assert resolved.approver.user_id == expected
    if expected == "ann":
        assert resolved.via == "fallback"
        assert resolved.why == (
            "adam is away and their delegate alice may not decide this level (inactive, the "
            "order's creator, or not an admin)"
        )
        assert resolved.on_behalf_of is not None
        assert not resolved.to_delegate
