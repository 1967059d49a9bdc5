"""More approval rules: cycles keep their kind, parties join and leave cycles, the directory,
why a rule's approver was passed over, and what a request remembers of its cycle."""

from __future__ import annotations

import pytest

from services.approval.domain import (
    ApprovalRequest,
    ApproverNotAdmin,
    Assignment,
    Cycle,
    FallbackRequired,
    LevelAlreadyDecided,
    NotAnApprover,
    NotCurrentLevel,
    RequestDecided,
    RequestStatus,
    SelfApproval,
    UnknownUser,
    User,
    UserDetails,
    resolve_approver,
)
from services.approval.domain.cycles import Emails, assignment_id
from services.approval.domain.errors import CycleKindFixed, InvalidManager, NotInCycle
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    ApprovalWithdrawn,
    CycleDefined,
    LevelRule,
    OrderKind,
    PartyAssigned,
    PartyUnassigned,
    Person,
    UserUpserted,
    WithdrawalReason,
)

MANAGER = LevelRule(approver="creator_manager")
USERS = {
    u.id: u
    for u in (
        User.register("alice", UserDetails(name="Alice", manager_id="mary")),
        User.register("mary", UserDetails(name="Mary", email="mary@example.com")),
        User.register("adam", UserDetails(name="Adam", admin=True)),
        User.register("ann", UserDetails(name="Ann", admin=True)),
        User.register("old", UserDetails(name="Old", admin=True, active=False)),
        User.register("gone", UserDetails(name="Gone", manager_id="old")),
        User.register("bob", UserDetails(name="Bob")),
    )
}


def named(user_id: str) -> LevelRule:
    return LevelRule(approver="named_user", user_id=user_id)


def define(
    cycle: Cycle,
    *levels: LevelRule,
    kind: OrderKind = OrderKind.PURCHASE,
    fallback: str | None = "adam",
    notify: bool = True,
    **switches: bool,
) -> None:
    cycle.define(
        name="Purchases",
        order_kind=kind,
        levels=list(levels),
        notify=notify,
        notify_pending=switches.get("notify_pending"),
        notify_approved=switches.get("notify_approved"),
        notify_rejected=switches.get("notify_rejected"),
        fallback_approver_id=fallback,
        by="root",
        users=USERS,
    )


def opened(cycle: Cycle, *, creator: str = "alice") -> ApprovalRequest:
    first = resolve_approver(
        cycle.levels[0], creator_id=creator, fallback_id=cycle.fallback_approver_id, users=USERS
    )
    request = ApprovalRequest.open(
        order_id="PO-1",
        order_kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        creator=Person(user_id=creator),
        cycle=cycle,
        first_approver=first,
    )
    request.collect_events()
    return request


# --- cycles ---------------------------------------------------------------------------------


def test_defining_a_cycle_counts_revisions_and_announces_the_rules() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER, named("ann"), fallback="adam", notify=False)
    define(cycle, named("ann"), fallback=None)

    first, second = cycle.collect_events()
    assert isinstance(first, CycleDefined)
    assert (first.revision, first.fallback_approver_id, first.notify) == (1, "adam", False)
    assert first.levels == [MANAGER, named("ann")]
    assert isinstance(second, CycleDefined)
    assert (second.revision, second.fallback_approver_id) == (2, None)
    assert (cycle.revision, cycle.fallback_approver_id, cycle.levels) == (2, None, [named("ann")])
    assert cycle.updated_by == "root"


def test_a_cycle_keeps_its_order_kind_once_defined() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, named("ann"), kind=OrderKind.SALES)  # the first definition chooses the kind
    define(cycle, named("adam"), kind=OrderKind.SALES)

    with pytest.raises(CycleKindFixed, match="C is for sales orders") as refused:
        define(cycle, named("ann"), kind=OrderKind.PURCHASE)

    assert refused.value.reason == "cycle_kind_fixed"
    assert (cycle.order_kind, cycle.revision) == (OrderKind.SALES, 2)


def test_each_named_approver_and_the_fallback_must_be_known_active_admins() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    with pytest.raises(ApproverNotAdmin, match=r"The approver of level 2 must be .*; bob is not"):
        define(cycle, named("ann"), named("bob"))
    with pytest.raises(UnknownUser, match="The fallback approver, 'ghost', is not in the user"):
        define(cycle, MANAGER, fallback="ghost")
    with pytest.raises(ApproverNotAdmin, match=r"The fallback approver must be .*; old is not"):
        define(cycle, MANAGER, fallback="old")
    with pytest.raises(FallbackRequired) as refused:
        define(cycle, named("ann"), MANAGER, fallback=None)
    assert str(refused.value) == (
        "A level approved by the creator's manager needs a fallback_approver_id (an "
        "admin-level user) for creators without a manager."
    )
    assert cycle.revision == 0


# --- parties in cycles ----------------------------------------------------------------------


def test_a_party_is_in_at_most_one_cycle_per_order_kind() -> None:
    assignment = Assignment.new(OrderKind.SALES, "C-1")
    assert assignment.id == assignment_id(OrderKind.SALES, "C-1") == "sales:C-1"

    assignment.assign("C1")
    assignment.assign("C1")  # already there: nothing happens
    assignment.assign("C2")

    assert assignment.cycle_id == "C2"
    moves = assignment.collect_events()
    assert [(m.cycle_id, m.previous_cycle_id) for m in moves if isinstance(m, PartyAssigned)] == [
        ("C1", None),
        ("C2", "C1"),
    ]
    assert len(moves) == 2


def test_a_party_leaves_only_the_cycle_it_is_in() -> None:
    assignment = Assignment.new(OrderKind.PURCHASE, "V-1")
    with pytest.raises(NotInCycle, match="V-1 is in no cycle, not in cycle C1"):
        assignment.unassign("C1")
    assignment.assign("C1")
    with pytest.raises(NotInCycle, match="V-1 is in cycle C1, not in cycle C2"):
        assignment.unassign("C2")
    assignment.collect_events()

    assignment.unassign("C1")

    assert assignment.cycle_id is None
    [left] = assignment.collect_events()
    assert isinstance(left, PartyUnassigned)
    assert (left.order_kind, left.party_id, left.cycle_id) == (OrderKind.PURCHASE, "V-1", "C1")


# --- the user directory ---------------------------------------------------------------------


def test_a_user_is_registered_with_details_and_announced() -> None:
    user = User.register("u1", UserDetails(name="Una", email="una@example.com", manager_id="m"))

    [upserted] = user.collect_events()
    assert isinstance(upserted, UserUpserted)
    assert (upserted.user_id, upserted.manager_id, upserted.email) == ("u1", "m", "una@example.com")
    assert user.person() == Person(user_id="u1", name="Una", email="una@example.com")


def test_nobody_is_their_own_manager() -> None:
    user = User.register("u1", UserDetails(name="Una"))
    with pytest.raises(InvalidManager, match="User u1 cannot be their own manager"):
        user.change(UserDetails(name="Una", manager_id="u1"))
    assert user.manager_id is None


def test_only_an_active_admin_approves_as_admin() -> None:
    assert USERS["adam"].can_approve_as_admin
    assert not USERS["old"].can_approve_as_admin  # admin, inactive
    assert not USERS["mary"].can_approve_as_admin  # active, not admin


# --- why a rule's approver was passed over --------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "creator", "why"),
    [
        (MANAGER, "bob", "creator bob has no manager in the directory"),
        (MANAGER, "gone", "manager old is inactive"),
        (named("ghost"), "alice", "named approver ghost is not in the directory"),
        (named("ann"), "ann", "named approver ann created the order"),
        (named("old"), "alice", "named approver old is no longer an active admin"),
    ],
)
def test_the_fallback_approves_and_the_reason_is_kept(rule: LevelRule, creator: str, why: str):
    resolved = resolve_approver(rule, creator_id=creator, fallback_id="adam", users=USERS)
    assert resolved.approver == USERS["adam"].person()
    assert (resolved.via, resolved.why) == ("fallback", why)


def test_a_manager_who_is_the_creator_is_passed_over() -> None:
    users = {**USERS, "loop": User(id="loop", name="Loop", manager_id="loop")}
    resolved = resolve_approver(MANAGER, creator_id="loop", fallback_id="ann", users=users)
    assert (resolved.via, resolved.why) == ("fallback", "the manager of loop is the creator")


@pytest.mark.parametrize(
    ("creator", "fallback"),
    [("bob", None), ("bob", "ghost"), ("bob", "mary"), ("bob", "old"), ("ann", "ann")],
)
def test_an_unknown_non_admin_inactive_or_creating_fallback_is_no_fallback(
    creator: str, fallback: str | None
) -> None:
    resolved = resolve_approver(MANAGER, creator_id=creator, fallback_id=fallback, users=USERS)
    assert (resolved.approver, resolved.via) == (None, "unresolved")
    assert resolved.why == (
        f"creator {creator} has no manager in the directory, and the cycle has no usable "
        "fallback approver"
    )


# --- requests -------------------------------------------------------------------------------


def test_the_approvers_are_told_whether_the_cycle_notifies_them() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, named("ann"), notify=True)
    request = ApprovalRequest.open(
        order_id="PO-1",
        order_kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        creator=Person(user_id="alice"),
        cycle=cycle,
        first_approver=resolve_approver(
            named("ann"), creator_id="alice", fallback_id="adam", users=USERS
        ),
    )
    [pending] = request.collect_events()
    assert isinstance(pending, ApprovalPending)
    assert pending.notify


def test_a_request_keeps_the_cycle_as_it_was_at_submission() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER, named("ann"), fallback="adam", notify=False)

    request = ApprovalRequest.open(
        order_id="PO-1",
        order_kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        creator=Person(user_id="alice"),
        cycle=cycle,
        first_approver=resolve_approver(
            MANAGER, creator_id="alice", fallback_id="adam", users=USERS
        ),
    )
    define(cycle, named("adam"), fallback=None)  # later changes do not apply

    assert (request.cycle_id, request.cycle_revision) == ("C", 1)
    assert request.levels == [MANAGER, named("ann")]
    assert (request.emails.pending, request.fallback_approver_id) == (False, "adam")
    assert request.next_rule == named("ann")
    [pending] = request.collect_events()
    assert isinstance(pending, ApprovalPending)
    assert (pending.cycle_id, pending.notify, pending.via) == ("C", False, "manager")
    assert (pending.level, pending.levels, pending.approver.user_id) == (1, 2, "mary")


def test_the_approver_is_known_while_pending_and_cleared_once_decided() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER, named("ann"))
    request = opened(cycle)
    ann = resolve_approver(named("ann"), creator_id="alice", fallback_id="adam", users=USERS)

    request.approve(by="mary", level=1, notes="fine by me", next_approver=ann)

    assert (request.level, request.approver, request.approver_via) == (
        2,
        USERS["ann"].person(),
        "named",
    )
    assert request.next_rule is None
    request.approve(by="ann", level=2, notes=None, next_approver=None)
    assert (request.status, request.approver) == (RequestStatus.APPROVED, None)
    assert request.decided_at is not None
    assert [(d.level, d.approver.user_id, d.notes) for d in request.decisions] == [
        (1, "mary", "fine by me"),
        (2, "ann", None),
    ]


def test_a_rejection_tells_every_decision_so_far() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER, named("ann"))
    request = opened(cycle)
    ann = resolve_approver(named("ann"), creator_id="alice", fallback_id="adam", users=USERS)
    request.approve(by="mary", level=1, notes=None, next_approver=ann)
    request.collect_events()

    request.reject(by="ann", level=2, notes="over budget")

    [rejected] = request.collect_events()
    assert isinstance(rejected, ApprovalRejected)
    assert [(d.level, d.decision) for d in rejected.decisions] == [
        (1, "approved"),
        (2, "rejected"),
    ]
    assert (request.status, request.level, request.approver) == (RequestStatus.REJECTED, 2, None)


def test_a_decision_names_what_is_wrong_with_it() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER, named("ann"))
    request = opened(cycle)

    with pytest.raises(NotCurrentLevel, match="Request PO-1:1 waits at level 1, not 2"):
        request.approve(by="ann", level=2, notes=None, next_approver=None)
    ann = resolve_approver(named("ann"), creator_id="alice", fallback_id="adam", users=USERS)
    request.approve(by="mary", level=1, notes=None, next_approver=ann)
    with pytest.raises(LevelAlreadyDecided, match="Level 1 of request PO-1:1 is already decided"):
        request.reject(by="mary", level=1, notes=None)
    with pytest.raises(SelfApproval, match="alice created order PO-1 and may not decide"):
        request.reject(by="alice", level=2, notes=None)
    with pytest.raises(NotAnApprover, match="Level 2 of request PO-1:1 is for ann, not mary"):
        request.reject(by="mary", level=2, notes=None)

    request.supersede(WithdrawalReason.ORDER_CANCELLED)

    assert request.status is RequestStatus.SUPERSEDED
    with pytest.raises(RequestDecided, match="PO-1:1 is already superseded"):
        request.reject(by="mary", level=1, notes=None)


def test_only_a_pending_request_is_superseded() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER)
    request = opened(cycle)
    request.reject(by="mary", level=1, notes=None)
    request.collect_events()

    request.supersede(WithdrawalReason.NEW_ATTEMPT)

    assert request.status is RequestStatus.REJECTED
    assert request.collect_events() == []


# --- which e-mails, and telling an approver a request no longer waits -------------------------


def test_each_email_has_its_own_switch_which_defaults_to_notify() -> None:
    assert Emails.chosen(True) == Emails(pending=True, approved=True, rejected=True)
    assert Emails.chosen(False) == Emails(pending=False, approved=False, rejected=False)
    assert Emails.chosen(False, pending=True) == Emails(
        pending=True, approved=False, rejected=False
    )
    assert Emails.chosen(True, approved=False) == Emails(
        pending=True, approved=False, rejected=True
    )
    assert Emails.chosen(True, rejected=False) == Emails(
        pending=True, approved=True, rejected=False
    )

    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, named("ann"), notify=False, notify_pending=True, notify_rejected=True)

    assert cycle.emails == Emails(pending=True, approved=False, rejected=True)
    [defined] = cycle.collect_events()
    assert isinstance(defined, CycleDefined)
    assert (defined.notify, defined.notify_pending) == (False, True)
    assert (defined.notify_approved, defined.notify_rejected) == (False, True)
    define(cycle, named("ann"), notify=False, notify_approved=True)
    assert cycle.emails == Emails(pending=False, approved=True, rejected=False)


def test_documents_from_before_the_switches_take_them_all_from_notify() -> None:
    old_cycle = {"id": "C", "name": "C", "order_kind": "purchase", "levels": [], "notify": False}
    assert Cycle.model_validate(old_cycle).emails == Emails.chosen(False)
    assert Cycle.model_validate({**old_cycle, "notify": True}).emails == Emails.chosen(True)
    assert Cycle.model_validate({k: v for k, v in old_cycle.items() if k != "notify"}).emails == (
        Emails.chosen(True)
    )
    old_request = {
        "id": "PO-1:1",
        "order_id": "PO-1",
        "order_kind": "purchase",
        "party_id": "V-1",
        "attempt": 1,
        "creator": {"user_id": "alice"},
    }
    assert ApprovalRequest.model_validate(old_request).emails == Emails.chosen(False)
    assert ApprovalRequest.model_validate({**old_request, "notify": True}).emails == (
        Emails.chosen(True)
    )
    chosen = Emails(pending=False, approved=True, rejected=False)
    kept = ApprovalRequest.model_validate({**old_request, "notify": True, "emails": chosen})
    assert kept.emails == chosen


def test_each_event_of_a_request_says_whether_its_own_email_is_sent() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER, named("ann"), notify=True, notify_pending=False)
    request = opened(cycle)
    define(cycle, MANAGER, notify=False)  # later changes do not apply
    assert request.emails == Emails(pending=False, approved=True, rejected=True)

    ann = resolve_approver(named("ann"), creator_id="alice", fallback_id="adam", users=USERS)
    request.approve(by="mary", level=1, notes=None, next_approver=ann)
    [pending] = request.collect_events()
    assert isinstance(pending, ApprovalPending)
    assert pending.notify is False
    request.approve(by="ann", level=2, notes=None, next_approver=None)
    [approved] = request.collect_events()
    assert isinstance(approved, ApprovalApproved)
    assert approved.notify is True

    rejecting = Cycle.new("R", OrderKind.PURCHASE)
    define(rejecting, MANAGER, notify=False, notify_rejected=True)
    refused = opened(rejecting)
    refused.reject(by="mary", level=1, notes="no")
    [rejected] = refused.collect_events()
    assert isinstance(rejected, ApprovalRejected)
    assert rejected.notify is True


def test_without_a_cycle_nobody_is_emailed() -> None:
    request = ApprovalRequest.open(
        order_id="PO-1",
        order_kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        creator=Person(user_id="alice"),
        cycle=None,
    )
    [approved] = request.collect_events()
    assert isinstance(approved, ApprovalApproved)
    assert approved.notify is False


@pytest.mark.parametrize("pending_mail", [True, False])
@pytest.mark.parametrize("reason", list(WithdrawalReason))
def test_a_superseded_request_is_withdrawn_from_the_approver_it_waited_for(
    reason: WithdrawalReason, pending_mail: bool
) -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER, named("ann"), notify=not pending_mail, notify_pending=pending_mail)
    request = opened(cycle)
    ann = resolve_approver(named("ann"), creator_id="alice", fallback_id="adam", users=USERS)
    request.approve(by="mary", level=1, notes=None, next_approver=ann)
    request.collect_events()

    request.supersede(reason)

    [withdrawn] = request.collect_events()
    assert isinstance(withdrawn, ApprovalWithdrawn)
    assert (withdrawn.request_id, withdrawn.order_id, withdrawn.attempt) == ("PO-1:1", "PO-1", 1)
    assert (withdrawn.level, withdrawn.levels, withdrawn.approver.user_id) == (2, 2, "ann")
    assert (withdrawn.reason, withdrawn.notify) == (reason, pending_mail)
    assert (request.status, request.approver) == (RequestStatus.SUPERSEDED, None)
    request.supersede(reason)
    assert request.collect_events() == []


# --- an order cancelled while (or after) it is decided ----------------------------------------


def test_a_cancelled_orders_pending_request_is_withdrawn_from_its_approver() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER)
    request = opened(cycle)

    request.order_cancelled()

    assert request.status is RequestStatus.SUPERSEDED
    [withdrawn] = request.collect_events()
    assert isinstance(withdrawn, ApprovalWithdrawn)
    assert withdrawn.reason is WithdrawalReason.ORDER_CANCELLED


def test_an_approval_that_crossed_the_orders_cancellation_ends_cancelled() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER)
    request = opened(cycle)
    request.approve(by="mary", level=1, notes=None, next_approver=None)
    request.collect_events()

    request.order_cancelled()

    assert request.status is RequestStatus.CANCELLED
    assert request.collect_events() == []  # nobody is told anything new


def test_a_rejected_request_stays_rejected_when_its_order_is_cancelled() -> None:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    define(cycle, MANAGER)
    request = opened(cycle)
    request.reject(by="mary", level=1, notes="no")
    request.collect_events()

    request.order_cancelled()

    assert request.status is RequestStatus.REJECTED
    assert request.collect_events() == []
