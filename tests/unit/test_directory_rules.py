"""The rules that keep the approval directory whole: no manager loops at any depth, always an
active admin, and a leaver's waiting requests handed to someone who may decide them."""

from __future__ import annotations

import pytest

from services.approval.domain import ApprovalRequest, Cycle, User, UserDetails, resolve_approver
from services.approval.domain.directory import (
    MAX_CHAIN,
    check_admins_left,
    check_manager_chain,
    check_reassignment,
    needs_turn,
)
from services.approval.domain.errors import (
    InvalidReassignment,
    LastAdmin,
    ManagerCycle,
    RequestsWaiting,
)
from shared.contracts import (
    ApprovalPending,
    ApprovalReassigned,
    LevelRule,
    OrderKind,
    Person,
    UpsertUser,
    UserUpserted,
)

MANAGER = LevelRule(approver="creator_manager")
USERS = {
    u.id: u
    for u in (
        User.register("alice", UserDetails(name="Alice", manager_id="mary")),
        User.register("mary", UserDetails(name="Mary")),
        User.register("adam", UserDetails(name="Adam", admin=True)),
        User.register("ann", UserDetails(name="Ann", admin=True)),
        User.register("bob", UserDetails(name="Bob")),
        User.register("old", UserDetails(name="Old", active=False)),
    )
}


def waiting_request(
    level: LevelRule = MANAGER, *, creator: str = "alice", fallback: str = "adam"
) -> ApprovalRequest:
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    cycle.define(
        name="C",
        order_kind=OrderKind.PURCHASE,
        levels=[level],
        notify=True,
        fallback_approver_id=fallback,
        by="root",
        users=USERS,
    )
    request = ApprovalRequest.open(
        order_id=f"PO-{creator}",
        order_kind=OrderKind.PURCHASE,
        party_id="V",
        attempt=1,
        creator=Person(user_id=creator),
        cycle=cycle,
        first_approver=resolve_approver(
            level, creator_id=creator, fallback_id=fallback, users=USERS
        ),
    )
    request.collect_events()
    return request


def leaving(user_id: str) -> UserDetails:
    user = USERS[user_id]
    return UserDetails(name=user.name, admin=user.admin, manager_id=user.manager_id, active=False)


# --- manager chains -------------------------------------------------------------------------


def test_a_manager_chain_may_not_loop_at_any_depth() -> None:
    managers = {"b": "c", "c": "d", "d": "a"}
    with pytest.raises(ManagerCycle) as refused:
        check_manager_chain("a", "b", managers)
    assert refused.value.reason == "manager_cycle"
    assert "a -> b -> c -> d -> a" in str(refused.value)


def test_two_users_may_not_manage_each_other() -> None:
    with pytest.raises(ManagerCycle, match="mary -> alice -> mary"):
        check_manager_chain("mary", "alice", {"alice": "mary"})


def test_a_chain_that_ends_or_loops_elsewhere_is_accepted() -> None:
    check_manager_chain("a", "b", {"b": "c", "c": None})
    check_manager_chain("a", "b", {"b": "c", "c": "b"})  # a loop it does not close
    check_manager_chain("a", "unknown", {})
    check_manager_chain("a", None, {})


def test_being_ones_own_manager_is_left_to_the_user_rule() -> None:
    check_manager_chain("a", "a", {})  # User.change refuses it as invalid_manager


# --- the last active admin ------------------------------------------------------------------


def test_the_last_active_admin_may_not_be_deactivated_or_demoted() -> None:
    adam = USERS["adam"]
    with pytest.raises(LastAdmin, match="adam is the last active admin and cannot be deactivated"):
        check_admins_left(adam, leaving("adam"), other_active_admins=0)
    demoted = UserDetails(name="Adam", admin=False)
    with pytest.raises(LastAdmin, match="cannot be made a non-admin"):
        check_admins_left(adam, demoted, other_active_admins=0)


def test_an_admin_may_leave_when_another_active_admin_remains() -> None:
    check_admins_left(USERS["adam"], leaving("adam"), other_active_admins=1)


def test_changes_that_take_no_admin_away_pass() -> None:
    check_admins_left(None, UserDetails(name="New"), other_active_admins=0)
    check_admins_left(USERS["bob"], leaving("bob"), other_active_admins=0)
    check_admins_left(USERS["adam"], UserDetails(name="Adam A.", admin=True), 0)


# --- a leaver's waiting requests ------------------------------------------------------------


def test_a_user_with_requests_waiting_leaves_only_naming_a_successor() -> None:
    waiting = [waiting_request(), waiting_request(creator="alice")]
    with pytest.raises(RequestsWaiting) as refused:
        check_reassignment(
            "mary", USERS["mary"], leaving("mary"), waiting, reassign_to=None, successor=None
        )
    assert refused.value.reason == "requests_waiting"
    assert "2 approval request(s) wait for mary" in str(refused.value)


def test_the_requests_move_to_an_active_user_who_did_not_create_them() -> None:
    waiting = [waiting_request()]
    moving = check_reassignment(
        "mary", USERS["mary"], leaving("mary"), waiting, reassign_to="bob", successor=USERS["bob"]
    )
    assert moving == waiting


@pytest.mark.parametrize(
    ("successor", "words"),
    [
        (None, "nobody cannot take over the requests of mary: not in the directory"),
        ("old", "old cannot take over the requests of mary: not an active user"),
        ("alice", "alice created order PO-alice and cannot approve request PO-alice:1"),
    ],
)
def test_a_successor_who_cannot_decide_is_refused(successor: str | None, words: str) -> None:
    with pytest.raises(InvalidReassignment, match=words):
        check_reassignment(
            "mary",
            USERS["mary"],
            leaving("mary"),
            [waiting_request()],
            reassign_to=successor or "nobody",
            successor=USERS.get(successor or ""),
        )


def test_a_level_for_an_admin_moves_only_to_an_admin() -> None:
    named = waiting_request(LevelRule(approver="named_user", user_id="ann"))
    fell_back = waiting_request(creator="zed")  # zed has no manager: the fallback adam waits
    assert (named.approver_via, fell_back.approver_via) == ("named", "fallback")
    for request, user in ((named, "ann"), (fell_back, "adam")):
        with pytest.raises(InvalidReassignment, match="name an active admin"):
            check_reassignment(
                user,
                USERS[user],
                leaving(user),
                [request],
                reassign_to="bob",
                successor=USERS["bob"],
            )
    check_reassignment(
        "ann", USERS["ann"], leaving("ann"), [named], reassign_to="adam", successor=USERS["adam"]
    )


def test_nothing_waiting_or_staying_active_moves_nothing() -> None:
    assert (
        check_reassignment(
            "bob", USERS["bob"], leaving("bob"), [], reassign_to=None, successor=None
        )
        == []
    )
    details = UserDetails(name="Mary")
    assert (
        check_reassignment(
            "mary", USERS["mary"], details, [waiting_request()], reassign_to=None, successor=None
        )
        == []
    )


def test_a_moved_request_waits_for_the_successor_and_says_who_moved_it() -> None:
    request = waiting_request()
    request.reassign(leaving="mary", to=Person(user_id="bob", name="Bob"), by="root")

    assert request.approver == Person(user_id="bob", name="Bob")
    assert request.approver_via == "reassigned"
    [moved] = request.reassignments
    assert (moved.level, moved.from_approver.user_id, moved.to_approver.user_id) == (
        1,
        "mary",
        "bob",
    )
    assert (moved.by, moved.via) == ("root", "manager")
    [event] = request.collect_events()
    assert isinstance(event, ApprovalReassigned)
    assert isinstance(event, ApprovalPending)  # what reads approval.pending reads this too
    assert event.routing_key == "approval.reassigned"
    assert (event.approver.user_id, event.previous_approver.user_id) == ("bob", "mary")
    assert (event.reassigned_by, event.level, event.notify) == ("root", 1, True)


def test_a_request_that_no_longer_waits_for_the_leaver_is_not_moved() -> None:
    request = waiting_request()
    request.reassign(leaving="someone-else", to=Person(user_id="bob"), by="root")
    request.approve(by="mary", level=1, notes=None, next_approver=None)
    request.collect_events()
    request.reassign(leaving="mary", to=Person(user_id="bob"), by="root")
    assert request.reassignments == []
    assert request.collect_events() == []


def test_a_level_that_fell_back_stays_an_admin_level_after_a_move() -> None:
    request = waiting_request(creator="zed")
    request.reassign(leaving="adam", to=Person(user_id="ann"), by="root")
    assert request.needs_admin


def test_the_user_change_says_who_made_it_and_where_the_requests_went() -> None:
    user = User.register("mary", UserDetails(name="Mary"))
    user.collect_events()
    user.change(leaving("mary"), by="root", reassigned_to="bob", reassigned=["PO-1:1"])
    [event] = user.collect_events()
    assert isinstance(event, UserUpserted)
    assert (event.active, event.changed_by) == (False, "root")
    assert (event.reassigned_to, event.reassigned_requests) == ("bob", ["PO-1:1"])


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"active": True, "reassign_to": "bob"}, "give it with active false"),
        ({"active": False, "reassign_to": "mary"}, "must name another user"),
    ],
)
def test_reassign_to_is_only_for_deactivating_someone_else(
    fields: dict[str, object], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        UpsertUser(user_id="mary", name="Mary", changed_by="root", **fields)


def test_a_user_who_left_before_is_changed_without_moving_what_waits() -> None:
    gone = USERS["old"]
    assert (
        check_reassignment(
            "old", gone, leaving("old"), [waiting_request()], reassign_to=None, successor=None
        )
        == []
    )


def test_a_chain_too_long_to_be_real_is_not_followed_to_its_end() -> None:
    managers = {f"u{n}": f"u{n + 1}" for n in range(MAX_CHAIN + 5)} | {f"u{MAX_CHAIN + 5}": "a"}
    check_manager_chain("a", "u0", managers)  # broken data, not this change's loop
    with pytest.raises(ManagerCycle):
        check_manager_chain("a", f"u{MAX_CHAIN - 1}", {f"u{MAX_CHAIN - 1}": "a"})


def test_only_a_change_that_could_break_a_rule_with_another_takes_its_turn() -> None:
    admin = User.register("ann", UserDetails(name="Ann", admin=True), by="root")
    clerk = User.register("bob", UserDetails(name="Bob"), by="root")
    plain = UserDetails(name="New")
    assert not needs_turn(None, plain)  # a new user with no manager
    assert not needs_turn(clerk, plain)  # a name or e-mail changed
    assert not needs_turn(admin, UserDetails(name="Ann", admin=True))
    assert needs_turn(None, UserDetails(name="New", manager_id="ann"))  # a chain could loop
    assert needs_turn(clerk, UserDetails(name="Bob", active=False))  # requests move
    assert needs_turn(admin, UserDetails(name="Ann"))  # an admin taken away
    assert needs_turn(admin, UserDetails(name="Ann", admin=True, active=False))
    inactive_admin = User.register("cy", UserDetails(name="Cy", admin=True, active=False), by="r")
    assert not needs_turn(inactive_admin, UserDetails(name="Cy"))
