"""Approval rules, without any infrastructure: resolution, levels, who may decide."""

from __future__ import annotations

import pytest

from services.approval.domain import (
    ApprovalRequest,
    ApproverNotAdmin,
    Cycle,
    FallbackRequired,
    LevelAlreadyDecided,
    NotAnApprover,
    RequestDecided,
    RequestStatus,
    SelfApproval,
    User,
    UserDetails,
    resolve_approver,
)
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    LevelRule,
    OrderKind,
    Person,
)

MANAGER = LevelRule(approver="creator_manager")
USERS = {
    u.id: u
    for u in (
        User.register("alice", UserDetails(name="Alice", manager_id="mary")),
        User.register("mary", UserDetails(name="Mary")),
        User.register("adam", UserDetails(name="Adam", admin=True)),
        User.register("old", UserDetails(name="Old admin", admin=True, active=False)),
        User.register("bob", UserDetails(name="Bob")),
    )
}


def named(user_id: str) -> LevelRule:
    return LevelRule(approver="named_user", user_id=user_id)


def cycle(*levels: LevelRule, fallback: str | None = "adam") -> Cycle:
    c = Cycle.new("C", OrderKind.PURCHASE)
    c.define(
        name="c",
        order_kind=OrderKind.PURCHASE,
        levels=list(levels),
        notify=True,
        fallback_approver_id=fallback,
        by="root",
        users=USERS,
    )
    return c


def opened(*levels: LevelRule, creator: str = "alice") -> ApprovalRequest:
    c = cycle(*levels)
    first = resolve_approver(c.levels[0], creator_id=creator, fallback_id="adam", users=USERS)
    request = ApprovalRequest.open(
        order_id="PO-1",
        order_kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        creator=Person(user_id=creator),
        cycle=c,
        first_approver=first,
    )
    request.collect_events()
    return request


@pytest.mark.parametrize(
    ("rule", "creator", "approver", "via"),
    [
        (MANAGER, "alice", "mary", "manager"),
        (MANAGER, "bob", "adam", "fallback"),  # no manager
        (MANAGER, "unknown", "adam", "fallback"),  # not in the directory
        (named("adam"), "alice", "adam", "named"),
        (named("adam"), "adam", None, "unresolved"),  # the fallback is the creator too
        (named("old"), "alice", "adam", "fallback"),  # inactive admin
    ],
)
def test_approver_resolution(rule: LevelRule, creator: str, approver: str | None, via: str) -> None:
    resolved = resolve_approver(rule, creator_id=creator, fallback_id="adam", users=USERS)
    assert (resolved.approver.user_id if resolved.approver else None) == approver
    assert resolved.via == via


def test_a_cycle_refuses_a_non_admin_named_approver_and_a_missing_fallback() -> None:
    with pytest.raises(ApproverNotAdmin, match="mary"):
        cycle(named("mary"))
    with pytest.raises(FallbackRequired):
        cycle(MANAGER, fallback=None)
    with pytest.raises(ApproverNotAdmin, match="fallback"):
        cycle(MANAGER, fallback="bob")


def test_no_cycle_means_approved_at_once() -> None:
    request = ApprovalRequest.open(
        order_id="PO-1",
        order_kind=OrderKind.SALES,
        party_id="C-1",
        attempt=1,
        creator=Person(user_id="alice"),
        cycle=None,
    )
    [event] = request.collect_events()
    assert isinstance(event, ApprovalApproved)
    assert event.basis == "no_cycle"
    assert request.status is RequestStatus.APPROVED


def test_two_levels_then_approved() -> None:
    request = opened(MANAGER, named("adam"))
    assert request.approver == USERS["mary"].person()
    nxt = resolve_approver(named("adam"), creator_id="alice", fallback_id="adam", users=USERS)
    request.approve(by="mary", level=1, notes=None, next_approver=nxt)
    [pending] = request.collect_events()
    assert isinstance(pending, ApprovalPending)
    assert (pending.level, pending.approver.user_id) == (2, "adam")
    request.approve(by="adam", level=2, notes="ok", next_approver=None)
    [approved] = request.collect_events()
    assert isinstance(approved, ApprovalApproved)
    assert [d.level for d in approved.decisions] == [1, 2]


def test_rules_on_who_may_decide() -> None:
    request = opened(MANAGER, named("adam"))
    with pytest.raises(SelfApproval):
        request.approve(by="alice", level=1, notes=None, next_approver=None)
    with pytest.raises(NotAnApprover):
        request.reject(by="adam", level=1, notes=None)
    request.reject(by="mary", level=1, notes="no budget")
    [rejected] = request.collect_events()
    assert isinstance(rejected, ApprovalRejected)
    assert (rejected.level, rejected.notes) == (1, "no budget")
    with pytest.raises(RequestDecided):
        request.approve(by="mary", level=1, notes=None, next_approver=None)


def test_a_decided_level_cannot_be_decided_again() -> None:
    request = opened(MANAGER, named("adam"))
    nxt = resolve_approver(named("adam"), creator_id="alice", fallback_id="adam", users=USERS)
    request.approve(by="mary", level=1, notes=None, next_approver=nxt)
    with pytest.raises(LevelAlreadyDecided):
        request.approve(by="mary", level=1, notes=None, next_approver=nxt)


def test_an_unresolvable_level_rejects_with_the_reason() -> None:
    request = opened(named("adam"), creator="adam")
    assert request.status is RequestStatus.REJECTED
    assert request.decisions[0].approver.user_id == "system"
    assert "created the order" in (request.decisions[0].notes or "")
