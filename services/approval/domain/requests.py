"""Approval requests: one per order submission attempt, decided level by level.

A request for a party in no cycle is approved when it is opened. Otherwise it waits at level 1
for the resolved approver; an approval moves it to level 2 (on a two-level cycle) or approves
it; a rejection at any level ends it at once. Only the current level's approver may decide,
never the order's creator; a decided or superseded request refuses further decisions. A
request superseded while it waited for someone is announced as withdrawn, naming them.

Only the cycle's levels that apply to the order's total (``thresholds``) are entered; they are
numbered 1.. among themselves. When none applies, the request is approved when opened.

A waiting level has a clock of its own (``waiting_since``, reset when it moves to someone
else): past the cycle's ``remind_after`` its approver is reminded (once per interval it keeps
waiting), past ``escalate_after`` it moves to the cycle's fallback approver, once per level.
``due_at`` says when the schedule should next look at it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from services.approval.domain.cycles import Cycle, Emails, Interval, emails_from_notify
from services.approval.domain.errors import (
    LevelAlreadyDecided,
    NotAnApprover,
    NotCurrentLevel,
    RequestDecided,
    SelfApproval,
)
from services.approval.domain.receipt_events import as_receipt_event
from services.approval.domain.resolution import Resolved
from shared.contracts import (
    ApprovalApproved,
    ApprovalBasis,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApprovalReminderDue,
    ApprovalWithdrawn,
    ApproverRule,
    CreditCheck,
    LevelDecision,
    LevelRouting,
    LevelRule,
    OrderKind,
    Person,
    ReassignReason,
    WithdrawalReason,
    utcnow,
)
from shared.contracts.base import Event
from shared.contracts.receipts import ReceiptFacts
from shared.domain import Aggregate

SYSTEM = Person(user_id="system", name="OMS approval service")


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"
    """Approved, but its order was cancelled (after the approval, or crossing it)."""


class Reassignment(BaseModel):
    """A level moved from one approver to another: who, from whom, by whom, when and why."""

    level: int
    from_approver: Person
    to_approver: Person
    via: str | None
    """How the level's first approver had been found (manager, named or fallback)."""
    by: str
    at: datetime
    reason: str = ReassignReason.APPROVER_DEACTIVATED.value
    on_behalf_of: Person | None = None
    """Delegated: the away approver the new approver decides for."""


def request_id(order_id: str, attempt: int) -> str:
    return f"{order_id}:{attempt}"


class ApprovalRequest(Aggregate):
    order_id: str
    order_kind: OrderKind
    party_id: str
    attempt: int
    creator: Person
    # The cycle as it was when the order was submitted: later changes do not apply.
    cycle_id: str | None = None
    cycle_revision: int | None = None
    levels: list[LevelRule] = Field(default_factory=list)
    emails: Emails = Emails.chosen(False)
    fallback_approver_id: str | None = None
    status: RequestStatus = RequestStatus.PENDING
    level: int = 0
    approver: Person | None = None
    approver_via: str | None = None
    decisions: list[LevelDecision] = Field(default_factory=list)
    reassignments: list[Reassignment] = Field(default_factory=list)
    opened_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    routing: list[LevelRouting] = Field(default_factory=list)
    """Each level of the cycle and whether it applied to the order's total (``levels`` holds
    those that did)."""
    on_behalf_of: Person | None = None
    """The away approver the current ``approver`` (their delegate) decides for."""
    remind_after: Interval | None = None
    escalate_after: Interval | None = None
    waiting_since: datetime | None = None
    reminders: int = 0
    escalated: bool = False
    """The current level was escalated (or could not be): it is not escalated again."""
    escalation_note: str | None = None
    due_at: datetime | None = None
    """When the schedule next has a reminder or an escalation to do for it."""
    credit: CreditCheck | None = None
    """A sales order's credit check; when it applies, the last level is the credit approver's."""
    subject: str = "order"
    """``order`` (a submission attempt), or ``over_receipt``: a goods receipt beyond the
    order's tolerance, held by inventory (``receipt``; opened by ``domain.receipts``)."""
    receipt: ReceiptFacts | None = None

    def record(self, event: Event) -> None:
        """An over-receipt request publishes each event as its own kind (its routing key)."""
        if self.receipt is not None:
            event = as_receipt_event(event, self.receipt, cycle_id=self.cycle_id)
        super().record(event)

    @model_validator(mode="before")
    @classmethod
    def _emails_from_notify(cls, data: Any) -> Any:
        return emails_from_notify(data, default=False)

    @classmethod
    def open(
        cls,
        *,
        order_id: str,
        order_kind: OrderKind,
        party_id: str,
        attempt: int,
        creator: Person,
        cycle: Cycle | None,
        first_approver: Resolved | None = None,
        routing: list[LevelRouting] | None = None,
        now: datetime | None = None,
        credit: CreditCheck | None = None,
    ) -> ApprovalRequest:
        """Open the request for one submission; with no cycle it is approved at once, and so
        it is when no level of the cycle applies (``routing``: each level, applying or not;
        absent: all apply), unless the order is over its customer's credit limit
        (``credit``): then a last level waits for the credit approver (``credit.approver_id``;
        with none configured, the request is rejected at once, saying so)."""
        now = now or utcnow()
        request = cls(
            id=request_id(order_id, attempt),
            order_id=order_id,
            order_kind=order_kind,
            party_id=party_id,
            attempt=attempt,
            creator=creator,
            opened_at=now,
            credit=credit,
        )
        over_limit = credit is not None and credit.applies
        if cycle is None and not over_limit:
            request._decide(RequestStatus.APPROVED, now)
            request.record(
                ApprovalApproved(
                    **request._facts(notify=False), basis=ApprovalBasis.NO_CYCLE, credit=credit
                )
            )
            return request
        if cycle is not None:
            request._follow(cycle, routing)
        else:
            # Only the credit check: its approver is e-mailed, and the creator of the outcome.
            request.emails = Emails.chosen(True)
        if credit is not None and over_limit:
            if credit.approver_id is None:
                note = (
                    f"The order takes {party_id}'s exposure to {credit.exposure_after} "
                    f"{credit.currency}, {credit.over_by} over the credit limit {credit.limit}, "
                    "and no credit approver is configured (approval.configure_credit)."
                )
                request._reject(len(request.levels) + 1, SYSTEM, note)
                return request
            request.levels.append(
                LevelRule(approver=ApproverRule.NAMED_USER, user_id=credit.approver_id)
            )
            request.credit = credit.model_copy(update={"level": len(request.levels)})
        if not request.levels:
            request._decide(RequestStatus.APPROVED, now)
            request.record(
                ApprovalApproved(
                    **request._facts(notify=request.emails.approved),
                    basis=ApprovalBasis.BELOW_THRESHOLDS,
                    routing=request.routing,
                    credit=credit,
                )
            )
            return request
        assert first_approver is not None, "the first level's approver is resolved before opening"
        request._enter_level(1, first_approver, now)
        return request

    def _follow(self, cycle: Cycle, routing: list[LevelRouting] | None) -> None:
        """Take the cycle's rules as they are now, and the levels that apply to the total."""
        self.cycle_id, self.cycle_revision = cycle.id, cycle.revision
        self.emails, self.fallback_approver_id = cycle.emails, cycle.fallback_approver_id
        self.remind_after, self.escalate_after = cycle.remind_after, cycle.escalate_after
        self.routing = routing or [
            LevelRouting(cycle_level=n, applies=True, why="no threshold: always")
            for n in range(1, len(cycle.levels) + 1)
        ]
        self.levels = [
            rule for rule, routed in zip(cycle.levels, self.routing, strict=True) if routed.applies
        ]

    @property
    def next_rule(self) -> LevelRule | None:
        """The rule of the level after the current one, if there is one."""
        if self.status is RequestStatus.PENDING and self.level < len(self.levels):
            return self.levels[self.level]
        return None

    def waits_for(self, user_id: str) -> bool:
        return self.status is RequestStatus.PENDING and (
            self.approver is not None and self.approver.user_id == user_id
        )

    @property
    def needs_admin(self) -> bool:
        """Whether the waiting level is one only an admin may approve: a named admin's, or one
        that fell back to the cycle's fallback admin."""
        if self.levels[self.level - 1].approver is ApproverRule.NAMED_USER:
            return True
        moved = [r for r in self.reassignments if r.level == self.level]
        return (moved[0].via if moved else self.approver_via) == "fallback"

    def reassign(
        self,
        *,
        leaving: str,
        to: Person,
        by: str,
        reason: ReassignReason = ReassignReason.APPROVER_DEACTIVATED,
        on_behalf_of: Person | None = None,
        now: datetime | None = None,
    ) -> None:
        """The approver this level waits for left, is away or did not decide in time: it
        waits for ``to`` from now on (a request that no longer waits for them is left as it
        is)."""
        if not self.waits_for(leaving):
            return
        assert self.approver is not None
        now = now or utcnow()
        self.reassignments.append(
            Reassignment(
                level=self.level,
                from_approver=self.approver,
                to_approver=to,
                via=self.approver_via,
                by=by,
                at=now,
                reason=reason.value,
                on_behalf_of=on_behalf_of,
            )
        )
        previous, self.approver, self.approver_via = self.approver, to, "reassigned"
        self.on_behalf_of = on_behalf_of
        self._wait(now)
        self.record(
            ApprovalReassigned(
                **self._facts(notify=self.emails.pending),
                level=self.level,
                levels=len(self.levels),
                approver=to,
                via="reassigned",
                decisions=self.decisions,
                on_behalf_of=on_behalf_of,
                routing=self.routing,
                credit=self.credit,
                previous_approver=previous,
                reassigned_by=by,
                reason=reason.value,
            )
        )

    def remind(self, now: datetime) -> None:
        """The level waited longer than ``remind_after`` (again): remind its approver once,
        numbered by the intervals passed, however many a late look finds."""
        assert self.approver is not None
        assert self.waiting_since is not None
        assert self.remind_after is not None
        self.reminders = (now - self.waiting_since) // self.remind_after
        self.record(
            ApprovalReminderDue(
                **self._facts(notify=self.emails.pending),
                level=self.level,
                levels=len(self.levels),
                approver=self.approver,
                via=self.approver_via,
                decisions=self.decisions,
                on_behalf_of=self.on_behalf_of,
                routing=self.routing,
                credit=self.credit,
                reminder=self.reminders,
                waiting_since=self.waiting_since,
                escalates_at=self._escalates_at,
            )
        )
        self._schedule()

    def escalate(self, to: Person | None, now: datetime, *, why: str | None = None) -> None:
        """The level waited longer than ``escalate_after``: it moves to the cycle's fallback
        approver ``to``; when there is none that may take it (``why``), it stays, and is not
        escalated again."""
        assert self.approver is not None
        self.escalated = True
        if to is None or to.user_id == self.approver.user_id:
            self.escalation_note = why or f"{self.approver.user_id} is the fallback approver"
            self._schedule()
            return
        self.reassign(
            leaving=self.approver.user_id,
            to=to,
            by=SYSTEM.user_id,
            reason=ReassignReason.ESCALATED,
            now=now,
        )

    def due(self, now: datetime) -> str | None:
        """What the schedule has to do for this request at ``now``: escalate, remind, or
        nothing."""
        if self.status is not RequestStatus.PENDING or self.waiting_since is None:
            return None
        if (at := self._escalates_at) is not None and at <= now:
            return "escalate"
        if (at := self._next_reminder) is not None and at <= now:
            return "remind"
        return None

    @property
    def _escalates_at(self) -> datetime | None:
        if self.escalate_after is None or self.escalated or self.waiting_since is None:
            return None
        return self.waiting_since + self.escalate_after

    @property
    def _next_reminder(self) -> datetime | None:
        if self.remind_after is None or self.waiting_since is None:
            return None
        return self.waiting_since + self.remind_after * (self.reminders + 1)

    def _wait(self, now: datetime) -> None:
        """The level starts waiting for its (new) approver now."""
        self.waiting_since, self.reminders = now, 0
        self._schedule()

    def _schedule(self) -> None:
        moments = [m for m in (self._escalates_at, self._next_reminder) if m is not None]
        pending = self.status is RequestStatus.PENDING
        self.due_at = min(moments) if moments and pending else None

    def approve(
        self,
        *,
        by: str,
        level: int,
        notes: str | None,
        next_approver: Resolved | None,
        now: datetime | None = None,
    ) -> None:
        now = now or utcnow()
        approver = self._check_decision(by, level)
        self.decisions.append(self._decision(level, approver, "approved", notes, self.on_behalf_of))
        if level < len(self.levels):
            assert next_approver is not None, "the next level's approver is resolved first"
            self._enter_level(level + 1, next_approver, now)
            return
        self._decide(RequestStatus.APPROVED, now)
        self.record(
            ApprovalApproved(
                **self._facts(notify=self.emails.approved),
                basis=ApprovalBasis.ALL_LEVELS_APPROVED,
                decisions=self.decisions,
                routing=self.routing,
                credit=self.credit,
            )
        )

    def reject(self, *, by: str, level: int, notes: str | None) -> None:
        approver = self._check_decision(by, level)
        self._reject(level, approver, notes)

    def supersede(self, reason: WithdrawalReason) -> None:
        """A newer attempt opened, or the order was cancelled: nothing is left to decide, and
        the approver the level waited for is told so."""
        if self.status is not RequestStatus.PENDING:
            return
        assert self.approver is not None, "a pending request waits for someone"
        self.record(
            ApprovalWithdrawn(
                **self._facts(notify=self.emails.pending),
                level=self.level,
                levels=len(self.levels),
                approver=self.approver,
                reason=reason,
            )
        )
        self._decide(RequestStatus.SUPERSEDED)

    def order_cancelled(self) -> None:
        """The order was cancelled: a pending request is withdrawn; an approved one ends as
        cancelled, so that it does not say the order may go ahead."""
        if self.status is RequestStatus.PENDING:
            self.supersede(WithdrawalReason.ORDER_CANCELLED)
        elif self.status is RequestStatus.APPROVED and self.receipt is None:
            self.status = RequestStatus.CANCELLED  # a receipt approved was received: it stands

    def _enter_level(self, level: int, resolved: Resolved, now: datetime) -> None:
        self.level, self.on_behalf_of = level, resolved.on_behalf_of
        if resolved.approver is None:
            # Nobody can approve this level: end the cycle and tell the creator why, rather
            # than leave the order waiting for no one.
            self._reject(level, SYSTEM, f"No approver for level {level}: {resolved.why}.")
            return
        self.approver, self.approver_via = resolved.approver, resolved.via
        self.escalated, self.escalation_note = False, None
        self._wait(now)
        self.record(
            ApprovalPending(
                **self._facts(notify=self.emails.pending),
                level=level,
                levels=len(self.levels),
                approver=resolved.approver,
                via="delegate" if resolved.to_delegate else resolved.via,
                decisions=self.decisions,
                on_behalf_of=resolved.on_behalf_of,
                routing=self.routing,
                credit=self.credit,
            )
        )

    def _reject(self, level: int, approver: Person, notes: str | None) -> None:
        self.decisions.append(self._decision(level, approver, "rejected", notes, self.on_behalf_of))
        self._decide(RequestStatus.REJECTED)
        self.record(
            ApprovalRejected(
                **self._facts(notify=self.emails.rejected),
                level=level,
                approver=approver,
                notes=notes,
                decisions=self.decisions,
            )
        )

    def _check_decision(self, by: str, level: int) -> Person:
        if self.status is not RequestStatus.PENDING:
            raise RequestDecided(
                f"Request {self.id} is already {self.status.value}; nothing is left to decide."
            )
        if level < self.level:
            raise LevelAlreadyDecided(f"Level {level} of request {self.id} is already decided.")
        if level != self.level:
            raise NotCurrentLevel(f"Request {self.id} waits at level {self.level}, not {level}.")
        if by == self.creator.user_id:
            raise SelfApproval(f"{by} created order {self.order_id} and may not decide on it.")
        assert self.approver is not None
        if by != self.approver.user_id:
            raise NotAnApprover(
                f"Level {level} of request {self.id} is for {self.approver.user_id}, not {by}."
            )
        return self.approver

    @staticmethod
    def _decision(
        level: int,
        approver: Person,
        decision: str,
        notes: str | None,
        on_behalf_of: Person | None = None,
    ) -> LevelDecision:
        return LevelDecision(
            level=level,
            approver=approver,
            decision=decision,
            notes=notes,
            decided_at=utcnow(),
            on_behalf_of=on_behalf_of,
        )

    def _decide(self, status: RequestStatus, now: datetime | None = None) -> None:
        """End the request: approved, rejected or superseded; nobody is left to decide."""
        self.status, self.decided_at, self.approver = status, now or utcnow(), None
        self.on_behalf_of, self.due_at = None, None

    def _facts(self, *, notify: bool) -> dict[str, object]:
        return {
            "request_id": self.id,
            "order_id": self.order_id,
            "order_kind": self.order_kind,
            "party_id": self.party_id,
            "attempt": self.attempt,
            "creator": self.creator,
            "cycle_id": self.cycle_id,
            "notify": notify,
        }
