"""Approval cycles and which vendors or customers are in them.

A cycle is for one kind of order (purchase or sales) and has one or two levels. A level is
approved by the order creator's manager or by a named admin-level user. A cycle whose levels
use the creator's manager must name a fallback admin, who approves when the manager cannot be
resolved (no manager, the manager is the creator, or the manager is inactive). A cycle says
which e-mails it sends: to the approver a level waits for, and to the creator on approval and
on rejection; each switch defaults to the cycle's ``notify``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from services.approval.domain.errors import (
    ApproverNotAdmin,
    CycleKindFixed,
    FallbackRequired,
    NotInCycle,
    UnknownUser,
)
from services.approval.domain.users import User
from shared.contracts import (
    ApproverRule,
    CycleDefined,
    LevelRule,
    OrderKind,
    PartyAssigned,
    PartyUnassigned,
    utcnow,
)
from shared.domain import Aggregate

Interval = Annotated[timedelta, PlainSerializer(lambda d: d.total_seconds(), return_type=float)]
"""A reminder or escalation interval, stored as seconds (BSON has no duration)."""


class Emails(BaseModel):
    """Which e-mails a cycle sends: to the approver a level waits for (and when that request is
    withdrawn), and to the creator on approval and on rejection."""

    model_config = ConfigDict(frozen=True)

    pending: bool
    approved: bool
    rejected: bool

    @classmethod
    def chosen(
        cls,
        notify: bool,
        *,
        pending: bool | None = None,
        approved: bool | None = None,
        rejected: bool | None = None,
    ) -> Emails:
        """Each e-mail as its own switch says, or as ``notify`` when it has none."""

        def either(switch: bool | None) -> bool:
            return notify if switch is None else switch

        return cls(pending=either(pending), approved=either(approved), rejected=either(rejected))


def emails_from_notify(data: Any, *, default: bool) -> Any:
    """A document written before the e-mails had a switch each: its ``notify`` says for all."""
    if isinstance(data, dict) and "emails" not in data:
        return {**data, "emails": Emails.chosen(data.get("notify", default))}
    return data


class Cycle(Aggregate):
    name: str
    order_kind: OrderKind
    levels: list[LevelRule]
    notify: bool = True
    emails: Emails = Emails.chosen(True)
    fallback_approver_id: str | None = None
    remind_after: Interval | None = None
    escalate_after: Interval | None = None
    base_currency: str | None = None
    """The currency the levels' ``above`` thresholds are in, as the service's was when the
    cycle was defined."""
    credit_approver_id: str | None = None
    """Who approves an order over its customer's credit limit (None: the approval-wide one)."""
    revision: int = 0
    updated_by: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)

    @model_validator(mode="before")
    @classmethod
    def _emails_from_notify(cls, data: Any) -> Any:
        return emails_from_notify(data, default=True)

    @classmethod
    def new(cls, cycle_id: str, order_kind: OrderKind) -> Cycle:
        return cls(id=cycle_id, name=cycle_id, order_kind=order_kind, levels=[])

    def define(
        self,
        *,
        name: str,
        order_kind: OrderKind,
        levels: list[LevelRule],
        notify: bool,
        fallback_approver_id: str | None,
        by: str,
        users: Mapping[str, User],
        notify_pending: bool | None = None,
        notify_approved: bool | None = None,
        notify_rejected: bool | None = None,
        remind_after: timedelta | None = None,
        escalate_after: timedelta | None = None,
        base_currency: str | None = None,
        credit_approver_id: str | None = None,
    ) -> None:
        """Set the cycle's rules; orders submitted from now on follow them."""
        if self.revision and order_kind is not self.order_kind:
            raise CycleKindFixed(
                f"Cycle {self.id} is for {self.order_kind.value} orders; define a new cycle "
                f"for {order_kind.value} orders."
            )
        for level, rule in enumerate(levels, start=1):
            if rule.approver is ApproverRule.NAMED_USER:
                require_admin(rule.user_id, users, f"the approver of level {level}")
        if credit_approver_id is not None:
            require_admin(credit_approver_id, users, "the credit approver")
        if fallback_approver_id is not None:
            require_admin(fallback_approver_id, users, "the fallback approver")
        elif any(rule.approver is ApproverRule.CREATOR_MANAGER for rule in levels):
            raise FallbackRequired(
                "A level approved by the creator's manager needs a fallback_approver_id (an "
                "admin-level user) for creators without a manager."
            )
        elif escalate_after is not None:
            raise FallbackRequired(
                "A cycle that escalates (escalate_after) needs a fallback_approver_id: the "
                "admin-level user a waiting level escalates to."
            )
        self.remind_after, self.escalate_after = remind_after, escalate_after
        self.base_currency = base_currency
        self.name, self.order_kind, self.levels = name, order_kind, levels
        self.notify = notify
        self.emails = emails = Emails.chosen(
            notify, pending=notify_pending, approved=notify_approved, rejected=notify_rejected
        )
        self.fallback_approver_id = fallback_approver_id
        self.credit_approver_id = credit_approver_id
        self.revision += 1
        self.updated_by, self.updated_at = by, utcnow()
        self.record(
            CycleDefined(
                cycle_id=self.id,
                name=name,
                order_kind=order_kind,
                levels=levels,
                notify=notify,
                notify_pending=emails.pending,
                notify_approved=emails.approved,
                notify_rejected=emails.rejected,
                fallback_approver_id=fallback_approver_id,
                revision=self.revision,
                remind_after=remind_after,
                escalate_after=escalate_after,
                base_currency=base_currency,
                credit_approver_id=credit_approver_id,
            )
        )


def require_admin(user_id: str | None, users: Mapping[str, User], role: str) -> None:
    """Refuse ``user_id`` for ``role`` unless they are an active admin-level user."""
    user = users.get(user_id or "")
    if user is None:
        raise UnknownUser(f"{role.capitalize()}, {user_id!r}, is not in the user directory.")
    if not user.can_approve_as_admin:
        raise ApproverNotAdmin(
            f"{role.capitalize()} must be an active admin-level user; {user_id} is not."
        )


def assignment_id(order_kind: OrderKind, party_id: str) -> str:
    return f"{order_kind.value}:{party_id}"


class Assignment(Aggregate):
    """The one cycle (at most) a vendor or customer is in, for one kind of order."""

    order_kind: OrderKind
    party_id: str
    cycle_id: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def new(cls, order_kind: OrderKind, party_id: str) -> Assignment:
        return cls(id=assignment_id(order_kind, party_id), order_kind=order_kind, party_id=party_id)

    def assign(self, cycle_id: str) -> None:
        if cycle_id == self.cycle_id:
            return
        previous, self.cycle_id, self.updated_at = self.cycle_id, cycle_id, utcnow()
        self.record(
            PartyAssigned(
                order_kind=self.order_kind,
                party_id=self.party_id,
                cycle_id=cycle_id,
                previous_cycle_id=previous,
            )
        )

    def unassign(self, cycle_id: str) -> None:
        if self.cycle_id != cycle_id:
            where = f"cycle {self.cycle_id}" if self.cycle_id else "no cycle"
            raise NotInCycle(f"{self.party_id} is in {where}, not in cycle {cycle_id}.")
        self.cycle_id, self.updated_at = None, utcnow()
        self.record(
            PartyUnassigned(order_kind=self.order_kind, party_id=self.party_id, cycle_id=cycle_id)
        )
