"""Handlers of the approval service: configuration commands, submissions and decisions."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from services.approval.credit import CreditHandlers
from services.approval.domain import (
    ApprovalRequest,
    Assignment,
    Cycle,
    RequestStatus,
    UnknownCycle,
    UnknownRequest,
    User,
    UserDetails,
    assignment_id,
)
from services.approval.domain.directory import (
    check_admins_left,
    check_manager_chain,
    check_reassignment,
    needs_turn,
)
from services.approval.domain.thresholds import Rates
from services.approval.receipts import ReceiptHandlers
from services.approval.repository import ApprovalStores
from services.approval.routing import Router
from services.approval.schedule import ScheduleHandlers
from shared.contracts import (
    ApproveRequest,
    AssignParty,
    DefineCycle,
    OrderCancelled,
    OrderSubmitted,
    Person,
    RejectRequest,
    UnassignParty,
    UpsertUser,
    WithdrawalReason,
    utcnow,
)
from shared.storage.aggregates import AlreadyExists

Clock = Callable[[], datetime]


class ApprovalHandlers(ScheduleHandlers, CreditHandlers, ReceiptHandlers):
    def __init__(
        self,
        stores: ApprovalStores,
        decided: Callable[[ApprovalRequest], None] = lambda _: None,
        *,
        rates: Rates | None = None,
        batch: int = 500,
    ) -> None:
        self.stores = stores
        self.decided = decided
        """Told of each request an approver's command decided (for the turnaround metric)."""
        self.rates = rates or Rates()
        """The base currency of the cycles' thresholds, and the rates orders convert at."""
        self.router = Router(stores, self.rates)
        self.batch = batch
        self.clock: Clock = utcnow
        """Where "now" comes from: when levels start waiting, away ranges, the schedule."""

    async def upsert_user(self, cmd: UpsertUser) -> None:
        """Add or change a user, keeping the directory whole (see ``domain.directory``); a
        user who leaves hands the requests waiting for them to ``reassign_to``, each moved
        once the user's change is saved (a redelivery moves what is left)."""
        details = UserDetails(
            name=cmd.name,
            email=str(cmd.email) if cmd.email else None,
            admin=cmd.admin,
            manager_id=cmd.manager_id,
            active=cmd.active,
        )
        before = await self.stores.users.read(cmd.user_id)
        turn = (
            self.stores.directory_lock.changing(str(cmd.message_id))
            if needs_turn(before, details)
            else contextlib.nullcontext()
        )
        async with turn:
            moving, successor = await self._check_directory(cmd, details)
            ids = [request.id for request in moving]

            def change(user: User) -> None:
                user.change(
                    details, by=cmd.changed_by, reassigned_to=cmd.reassign_to, reassigned=ids
                )

            await self.stores.users.create_or_change(
                cmd.user_id,
                cmd,
                create=lambda: User.register(cmd.user_id, details, by=cmd.changed_by),
                change=change,
            )
        for request in moving:
            assert successor is not None, "requests move only to a successor"
            await self.stores.moved_requests.change(
                request.id,
                cmd,
                lambda r: r.reassign(leaving=cmd.user_id, to=successor, by=cmd.changed_by),
                missing=LookupError,
            )

    async def _check_directory(
        self, cmd: UpsertUser, details: UserDetails
    ) -> tuple[list[ApprovalRequest], Person | None]:
        """Refuse a change that would break the directory; else the requests that move, and
        to whom."""
        directory = self.stores.directory
        before = await self.stores.users.read(cmd.user_id)
        check_manager_chain(
            cmd.user_id, cmd.manager_id, await directory.managers_from(cmd.manager_id)
        )
        check_admins_left(before, details, await directory.other_active_admins(cmd.user_id))
        if details.active:
            return [], None
        waiting = await self.stores.requests.find(
            {"status": RequestStatus.PENDING, "approver.user_id": cmd.user_id}, limit=10_000
        )
        successor = await self.stores.users.read(cmd.reassign_to) if cmd.reassign_to else None
        moving = check_reassignment(
            cmd.user_id, before, details, waiting, reassign_to=cmd.reassign_to, successor=successor
        )
        return moving, successor.person() if successor and moving else None

    async def define_cycle(self, cmd: DefineCycle) -> None:
        """Create or change a cycle; named and fallback approvers must be admin-level users."""
        named = [rule.user_id for rule in cmd.levels]
        users = await self.stores.directory.get(
            [*named, cmd.fallback_approver_id, cmd.credit_approver_id]
        )

        def define(cycle: Cycle) -> None:
            cycle.define(
                name=cmd.name,
                order_kind=cmd.order_kind,
                levels=cmd.levels,
                notify=cmd.notify,
                notify_pending=cmd.notify_pending,
                notify_approved=cmd.notify_approved,
                notify_rejected=cmd.notify_rejected,
                fallback_approver_id=cmd.fallback_approver_id,
                by=cmd.defined_by,
                users=users,
                remind_after=cmd.remind_after,
                escalate_after=cmd.escalate_after,
                base_currency=self.rates.base,
                credit_approver_id=cmd.credit_approver_id,
            )

        def create() -> Cycle:
            cycle = Cycle.new(cmd.cycle_id, cmd.order_kind)
            define(cycle)
            return cycle

        await self.stores.cycles.create_or_change(cmd.cycle_id, cmd, create=create, change=define)

    async def assign_party(self, cmd: AssignParty) -> None:
        """Put a party in a cycle, moving it out of the one it was in (the event says which)."""
        cycle = await self._cycle(cmd.cycle_id)

        def create() -> Assignment:
            assignment = Assignment.new(cycle.order_kind, cmd.party_id)
            assignment.assign(cycle.id)
            return assignment

        await self.stores.assignments.create_or_change(
            assignment_id(cycle.order_kind, cmd.party_id),
            cmd,
            create=create,
            change=lambda assignment: assignment.assign(cycle.id),
        )

    async def unassign_party(self, cmd: UnassignParty) -> None:
        cycle = await self._cycle(cmd.cycle_id)
        await self.stores.assignments.change(
            assignment_id(cycle.order_kind, cmd.party_id),
            cmd,
            lambda assignment: assignment.unassign(cycle.id),
            missing=lambda: UnknownCycle(f"{cmd.party_id} is in no {cycle.order_kind} cycle."),
        )

    async def order_submitted(self, event: OrderSubmitted) -> None:
        """Open the request for this attempt: approved at once without a cycle or when no
        level of the cycle applies to the order's total, else its first level that applies;
        a sales order over its customer's credit limit also waits, last, for the credit
        approver (``routing``, ``credit``).

        A redelivery finds the attempt's request opened (the insert is refused) and still
        supersedes the older attempts, in case the first delivery stopped in between.
        """
        stores = self.stores
        creator = await stores.directory.person(event.created_by)
        plan = await self.router.plan(
            kind=event.kind,
            party_id=event.party_id,
            order_id=event.order_id,
            total=event.total,
            currency=event.currency,
        )
        plan = await self.count_order(event, plan)
        first, now = None, self.clock()
        if rules := plan.rules:
            first = await stores.directory.resolve(
                rules[0], creator_id=event.created_by, fallback_id=plan.fallback_id, now=now
            )
        request = ApprovalRequest.open(
            order_id=event.order_id,
            order_kind=event.kind,
            party_id=event.party_id,
            attempt=event.attempt,
            creator=creator,
            cycle=plan.cycle,
            first_approver=first,
            routing=plan.routing,
            now=now,
            credit=plan.credit,
        )
        with contextlib.suppress(AlreadyExists):  # a redelivery, or another replica was first
            await stores.requests.add(request, cause=event)
        if request.status is RequestStatus.REJECTED:  # nobody could approve it
            await self.uncount_order(
                event.kind, event.party_id, event.order_id, event, attempt=event.attempt
            )
        if event.attempt > 1:  # the first attempt has nothing before it
            await self._supersede(
                event.order_id, event, WithdrawalReason.NEW_ATTEMPT, before_attempt=event.attempt
            )

    async def order_cancelled(self, event: OrderCancelled) -> None:
        """A cancelled order's pending request can no longer be decided, and an approval that
        crossed the cancellation ends as cancelled: both services then say the same."""
        query = {
            "order_id": event.order_id,
            "status": {"$in": [RequestStatus.PENDING, RequestStatus.APPROVED]},
        }
        for request in await self.stores.requests.find(query):
            await self.stores.requests.change(
                request.id, event, ApprovalRequest.order_cancelled, missing=LookupError
            )
        await self.uncount_order(event.kind, event.party_id, event.order_id, event, attempt=None)

    async def approve(self, cmd: ApproveRequest) -> None:
        async def approve(request: ApprovalRequest) -> None:
            following, now = None, self.clock()
            if request.level == cmd.level and (rule := request.next_rule) is not None:
                following = await self.stores.directory.resolve(
                    rule,
                    creator_id=request.creator.user_id,
                    fallback_id=request.fallback_approver_id,
                    now=now,
                )
            request.approve(
                by=cmd.approver_id,
                level=cmd.level,
                notes=cmd.notes,
                next_approver=following,
                now=now,
            )

        request = await self.stores.requests.change(
            cmd.request_id, cmd, approve, missing=lambda: UnknownRequest(_no_request(cmd))
        )
        if request is not None:  # None: a redelivery, decided before
            self.decided(request)

    async def reject(self, cmd: RejectRequest) -> None:
        request = await self.stores.requests.change(
            cmd.request_id,
            cmd,
            lambda request: request.reject(by=cmd.approver_id, level=cmd.level, notes=cmd.notes),
            missing=lambda: UnknownRequest(_no_request(cmd)),
        )
        if request is not None:
            self.decided(request)
            await self.uncount_order(
                request.order_kind,
                request.party_id,
                request.order_id,
                cmd,
                attempt=request.attempt,
            )

    async def _cycle(self, cycle_id: str) -> Cycle:
        cycle = await self.stores.cycles.get(cycle_id)
        if cycle is None:
            raise UnknownCycle(f"There is no approval cycle {cycle_id!r}; define it first.")
        return cycle

    async def _supersede(
        self,
        order_id: str,
        cause: OrderSubmitted | OrderCancelled,
        reason: WithdrawalReason,
        *,
        before_attempt: int | None,
    ) -> None:
        """Pending requests of the order (of attempts before ``before_attempt``) are over."""
        query: dict[str, object] = {
            "order_id": order_id,
            "status": RequestStatus.PENDING,
            "receipt": None,  # an over-receipt request waits on, for the order's approved attempt
        }
        if before_attempt is not None:
            query["attempt"] = {"$lt": before_attempt}
        for request in await self.stores.requests.find(query):
            await self.stores.requests.change(
                request.id,
                cause,
                lambda request: request.supersede(reason),
                missing=LookupError,
            )


def _no_request(cmd: ApproveRequest | RejectRequest) -> str:
    return f"There is no approval request {cmd.request_id!r}."
