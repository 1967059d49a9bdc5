"""The approval handlers driven with in-memory stores (no broker, no database)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal

from services.approval.domain import ApprovalRequest, Assignment, Cycle, User, assignment_id
from services.approval.domain.credit import CreditSettings, CustomerCredit, credit_id
from services.approval.handlers import ApprovalHandlers
from services.approval.repository import Directory
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalWithdrawn,
    ApproveRequest,
    AssignParty,
    DefineCycle,
    LevelRule,
    OrderCancelled,
    OrderKind,
    OrderSubmitted,
    PartyAssigned,
    UpsertUser,
    WithdrawalReason,
)
from tests.support.factories import lines
from tests.unit.fakes import FakeStore


class FakeLock:
    """One handler at a time in these tests: the directory needs no turns."""

    @contextlib.asynccontextmanager
    async def changing(self, holder: str) -> AsyncIterator[None]:
        yield


class FakeParties:
    """The assignment and the credit record, each from its own fake store."""

    def __init__(self, stores: FakeStores) -> None:
        self.stores = stores

    async def of(
        self, kind: OrderKind, party_id: str
    ) -> tuple[Assignment | None, CustomerCredit | None]:
        assignment = await self.stores.assignments.get(assignment_id(kind, party_id))
        if kind is not OrderKind.SALES:
            return assignment, None
        return assignment, await self.stores.customers.get(credit_id(party_id))


class FakeStores:
    def __init__(self) -> None:
        self.requests = FakeStore(ApprovalRequest)
        self.cycles = FakeStore(Cycle)
        self.assignments = FakeStore(Assignment)
        self.users = FakeStore(User)
        self.customers = FakeStore(CustomerCredit)
        self.settings = FakeStore(CreditSettings)
        self.parties = FakeParties(self)
        self.directory = Directory(self.users)
        self.directory_lock = FakeLock()
        self.moved_requests = self.requests


def submitted(vendor: str, attempt: int = 1) -> OrderSubmitted:
    return OrderSubmitted(
        order_id="PO-9",
        kind=OrderKind.PURCHASE,
        party_id=vendor,
        branch_id="B",
        created_by="alice",
        currency="USD",
        lines=lines(("S", "1", "1")),
        total=Decimal(1),
        attempt=attempt,
        submitted_by="alice",
    )


async def test_a_party_moves_between_cycles_and_orders_follow_its_new_cycle() -> None:
    stores = FakeStores()
    handlers = ApprovalHandlers(stores)
    for user in (
        UpsertUser(user_id="adam", name="A", admin=True, changed_by="r"),
        UpsertUser(user_id="ann", name="N", admin=True, changed_by="r"),
        UpsertUser(user_id="alice", name="Al", changed_by="r"),
    ):
        await handlers.upsert_user(user)
    for cycle_id, approver in (("C1", "adam"), ("C2", "ann")):
        await handlers.define_cycle(
            DefineCycle(
                cycle_id=cycle_id,
                name=cycle_id,
                order_kind=OrderKind.PURCHASE,
                levels=[LevelRule(approver="named_user", user_id=approver)],
                defined_by="r",
            )
        )
    await handlers.assign_party(AssignParty(cycle_id="C1", party_id="V", assigned_by="r"))
    await handlers.assign_party(AssignParty(cycle_id="C2", party_id="V", assigned_by="r"))

    moves = stores.assignments.events(PartyAssigned)
    assert [(m.cycle_id, m.previous_cycle_id) for m in moves] == [("C1", None), ("C2", "C1")]
    event = submitted("V")
    await handlers.order_submitted(event)
    await handlers.order_submitted(event)  # redelivered
    [pending] = stores.requests.events(ApprovalPending)
    assert pending.approver.user_id == "ann"
    await handlers.approve(
        ApproveRequest(request_id=pending.request_id, level=1, approver_id="ann")
    )
    [approved] = stores.requests.events(ApprovalApproved)
    assert approved.order_id == "PO-9"


async def test_a_new_attempt_supersedes_a_pending_earlier_one() -> None:
    stores = FakeStores()
    handlers = ApprovalHandlers(stores)
    await handlers.upsert_user(UpsertUser(user_id="adam", name="A", admin=True, changed_by="r"))
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=[LevelRule(approver="named_user", user_id="adam")],
            defined_by="r",
        )
    )
    await handlers.assign_party(AssignParty(cycle_id="C", party_id="V", assigned_by="r"))

    await handlers.order_submitted(submitted("V", attempt=1))
    await handlers.order_submitted(submitted("V", attempt=2))

    first = await stores.requests.get("PO-9:1")
    second = await stores.requests.get("PO-9:2")
    assert first is not None
    assert second is not None
    assert (first.status.value, second.status.value) == ("superseded", "pending")
    [withdrawn] = stores.requests.events(ApprovalWithdrawn)
    assert (withdrawn.request_id, withdrawn.reason) == ("PO-9:1", WithdrawalReason.NEW_ATTEMPT)
    assert (withdrawn.approver.user_id, withdrawn.notify) == ("adam", True)


async def test_cancelling_the_order_withdraws_its_pending_request_from_the_approver() -> None:
    stores = FakeStores()
    handlers = ApprovalHandlers(stores)
    await handlers.upsert_user(UpsertUser(user_id="adam", name="A", admin=True, changed_by="r"))
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=[LevelRule(approver="named_user", user_id="adam")],
            notify=False,
            notify_pending=True,
            defined_by="r",
        )
    )
    await handlers.assign_party(AssignParty(cycle_id="C", party_id="V", assigned_by="r"))
    await handlers.order_submitted(submitted("V"))

    await handlers.order_cancelled(
        OrderCancelled(order_id="PO-9", kind=OrderKind.PURCHASE, party_id="V", cancelled_by="bo")
    )

    [pending] = stores.requests.events(ApprovalPending)
    [withdrawn] = stores.requests.events(ApprovalWithdrawn)
    assert (pending.notify, withdrawn.notify) == (True, True)
    assert (withdrawn.request_id, withdrawn.level, withdrawn.approver.user_id) == (
        "PO-9:1",
        1,
        "adam",
    )
    assert withdrawn.reason is WithdrawalReason.ORDER_CANCELLED
    request = await stores.requests.get("PO-9:1")
    assert request is not None
    assert request.status.value == "superseded"


async def test_an_unresolvable_level_two_approver_falls_back_to_the_cycles_fallback() -> None:
    stores = FakeStores()
    handlers = ApprovalHandlers(stores)
    for user in (
        UpsertUser(user_id="adam", name="A", admin=True, changed_by="r"),
        UpsertUser(user_id="ann", name="N", admin=True, changed_by="r"),
        UpsertUser(user_id="alice", name="Al", changed_by="r"),  # alice has no manager
    ):
        await handlers.upsert_user(user)
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=[
                LevelRule(approver="named_user", user_id="ann"),
                LevelRule(approver="creator_manager"),
            ],
            fallback_approver_id="adam",
            defined_by="r",
        )
    )
    await handlers.assign_party(AssignParty(cycle_id="C", party_id="V", assigned_by="r"))
    await handlers.order_submitted(submitted("V"))

    await handlers.approve(ApproveRequest(request_id="PO-9:1", level=1, approver_id="ann"))

    level_two = stores.requests.events(ApprovalPending)[-1]
    assert (level_two.level, level_two.approver.user_id, level_two.via) == (2, "adam", "fallback")
