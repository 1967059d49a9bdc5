"""Commands of the approval service (cycles, user directory, decisions) and its events."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

from shared.contracts.base import Command, Event
from shared.contracts.common import AS_TEXT, FROM_TEXT, CurrencyCode, Identifier, OrderKind
from shared.contracts.credit import CreditCheck

Threshold = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]
"""An amount an order's total is compared with: a decimal string, zero or more."""


class ApproverRule(StrEnum):
    CREATOR_MANAGER = "creator_manager"
    NAMED_USER = "named_user"


class LevelRule(BaseModel):
    """Who approves one level: the order creator's manager, or a named admin-level user."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    approver: ApproverRule
    user_id: Identifier | None = None
    above: Threshold | None = Field(
        default=None,
        description="the level applies only to orders whose total, in the approval service's "
        "base currency (OMS_APPROVAL_BASE_CURRENCY; an order in another currency is converted "
        "at OMS_APPROVAL_RATES and rounded to the base currency's minor unit), is above this "
        "amount (a total equal to it does not apply the level); absent: no threshold. A "
        "threshold below zero is refused (invalid_message)",
    )
    above_in: dict[CurrencyCode, Threshold] = Field(
        default_factory=dict,
        description='per-currency thresholds ({"EUR": "9000"}): an order in one of these '
        "currencies is compared with its own threshold, unconverted (this wins over above). "
        "An order in a currency with neither a threshold here nor a rate to the base currency "
        "is never let through silently: the level applies, and the request's routing says why",
    )

    @model_validator(mode="after")
    def _user_only_when_named(self) -> LevelRule:
        if self.approver is ApproverRule.NAMED_USER and self.user_id is None:
            raise ValueError("a named_user level needs the approver's user_id")
        if self.approver is ApproverRule.CREATOR_MANAGER and self.user_id is not None:
            raise ValueError("a creator_manager level takes no user_id")
        return self


class ApprovalBasis(StrEnum):
    NO_CYCLE = "no_cycle"
    ALL_LEVELS_APPROVED = "all_levels_approved"
    BELOW_THRESHOLDS = "below_thresholds"
    """The party is in a cycle, but no level applies to the order's total (see routing)."""


class LevelRouting(BaseModel):
    """Whether one level of the cycle applies to an order, and why (its amount threshold)."""

    model_config = ConfigDict(frozen=True)

    cycle_level: int = Field(ge=1, le=2, description="the level's number in the cycle")
    applies: bool
    why: str = Field(description="the comparison made, or why there was none, in words")
    threshold: Annotated[Decimal, FROM_TEXT, AS_TEXT] | None = Field(
        default=None, description="the threshold compared with (absent: the level has none)"
    )
    threshold_currency: CurrencyCode | None = Field(
        default=None, description="the threshold's currency: the order's, or the base currency"
    )
    amount: Annotated[Decimal, FROM_TEXT, AS_TEXT] | None = Field(
        default=None,
        description="the order's total in threshold_currency (converted at rate when that is "
        "the base currency and the order is in another)",
    )
    rate: Annotated[Decimal, FROM_TEXT, AS_TEXT] | None = Field(
        default=None,
        description="units of the base currency per unit of the order's currency, when the "
        "total was converted",
    )


class Person(BaseModel):
    """Who someone is, as the approval service's user directory knows them."""

    model_config = ConfigDict(frozen=True)

    user_id: Identifier
    name: str | None = None
    email: EmailStr | None = None


class LevelDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: int = Field(ge=1, le=3)
    approver: Person
    decision: str = Field(pattern="^(approved|rejected)$")
    notes: str | None = None
    decided_at: datetime
    on_behalf_of: Person | None = Field(
        default=None,
        description="the approver the level was for, when their delegate decided it (approver "
        "is then the delegate)",
    )


class _RequestFacts(Event):
    ordering_key: ClassVar[str | None] = "order_id"
    request_id: str = Field(min_length=1, max_length=80)
    order_id: Identifier
    order_kind: OrderKind
    party_id: Identifier
    attempt: int = Field(ge=1)
    creator: Person
    cycle_id: Identifier | None = None
    notify: bool = Field(
        default=False,
        description="whether the cycle e-mails about this event: its notify_pending for "
        "approval.pending and approval.withdrawn (to the approver), notify_approved for "
        "approval.approved and notify_rejected for approval.rejected (to the creator)",
    )


class ApprovalPending(_RequestFacts):
    """A level of a request now waits for ``approver``."""

    routing_key: ClassVar[str] = "approval.pending"
    level: int = Field(ge=1, le=3, description="the level that waits (3 only for a credit check)")
    levels: int = Field(
        ge=1,
        le=3,
        description="how many levels this request has: the cycle's levels that apply, plus one "
        "when the order is over its customer's credit limit (credit says so)",
    )
    approver: Person
    via: str | None = Field(
        default=None,
        description="how the approver was found: manager, named or fallback; delegate: the "
        "approver found is away and this is their delegate (on_behalf_of names them); "
        "reassigned (approval.reassigned): the level was moved to them (see reason)",
    )
    decisions: list[LevelDecision] = Field(
        default_factory=list,
        description="the levels of this attempt decided before this one (level 1's approval "
        "when level 2 waits), in the order they were decided",
    )
    on_behalf_of: Person | None = Field(
        default=None,
        description="when approver is a delegate: the approver the level is for, who is away "
        "(approval.set_away) and named them",
    )
    routing: list[LevelRouting] = Field(
        default_factory=list,
        description="each level of the cycle, whether it applies to this order's total and "
        "why; level and levels count only the levels that apply (a cycle whose level 1 does "
        "not apply waits at level 1 of 1 for its level 2's approver)",
    )
    credit: CreditCheck | None = Field(
        default=None,
        description="sales orders of a customer with a credit limit: the credit check (limit, "
        "exposure before and after the order, over_by); when it applies, the request's last "
        "level (credit.level) waits for the credit approver",
    )


class ApprovalApproved(_RequestFacts):
    """The request passed every level (or the party is in no cycle, or no level of its cycle
    applies to the order's total): the order is approved."""

    routing_key: ClassVar[str] = "approval.approved"
    basis: ApprovalBasis = Field(
        description="no_cycle: the party is in no cycle; below_thresholds: no level of the "
        "cycle applies to the order's total (routing says why); all_levels_approved"
    )
    decisions: list[LevelDecision] = Field(default_factory=list)
    routing: list[LevelRouting] = Field(
        default_factory=list,
        description="each level of the cycle, whether it applied to this order's total and why "
        "(empty without a cycle)",
    )
    credit: CreditCheck | None = Field(
        default=None,
        description="sales orders of a customer with a credit limit: the credit check made",
    )


class ApprovalRejected(_RequestFacts):
    """A level rejected the request; the cycle ended there."""

    routing_key: ClassVar[str] = "approval.rejected"
    level: int = Field(ge=1, le=3)
    approver: Person
    notes: str | None = None
    decisions: list[LevelDecision] = Field(default_factory=list)


class WithdrawalReason(StrEnum):
    ORDER_CANCELLED = "order_cancelled"
    NEW_ATTEMPT = "new_attempt"


class ApprovalWithdrawn(_RequestFacts):
    """A request that waited for ``approver`` ended undecided: nothing is left for them to do."""

    routing_key: ClassVar[str] = "approval.withdrawn"
    level: int = Field(ge=1, le=3, description="the level that waited, as in approval.pending")
    levels: int = Field(ge=1, le=3)
    approver: Person = Field(description="who the level waited for (told by approval.pending)")
    reason: WithdrawalReason = Field(
        description="order_cancelled: the order was cancelled; new_attempt: the order was "
        "submitted again, and the new attempt has a request of its own"
    )


class ReassignReason(StrEnum):
    APPROVER_DEACTIVATED = "approver_deactivated"
    DELEGATED = "delegated"
    ESCALATED = "escalated"


class ApprovalReassigned(ApprovalPending):
    """A level that waited for one user now waits for ``approver``: the same request, moved,
    with who it moved from, who moved it and why (the user left, is away and named a
    delegate, or did not decide within the cycle's escalation interval)."""

    routing_key: ClassVar[str] = "approval.reassigned"
    previous_approver: Person = Field(description="who the level waited for until now")
    reassigned_by: Identifier = Field(
        description="who moved it: who deactivated the previous approver, who set them away "
        "(approval.set_away's set_by), or system (escalation, by the approval service's "
        "schedule)"
    )
    reason: str = Field(
        default="approver_deactivated",
        description="why it moved: approver_deactivated (approval.upsert_user with "
        "active false and reassign_to); delegated (the previous approver is away, "
        "approval.set_away: approver is their delegate, or the cycle's fallback approver when "
        "the delegate may not decide it, and on_behalf_of names them); escalated (it waited "
        "longer than the cycle's escalate_after: approver is the cycle's fallback approver)",
    )


class ApprovalReminderDue(ApprovalPending):
    """A level has waited for ``approver`` longer than the cycle's ``remind_after`` (once per
    interval it keeps waiting): a reminder to decide, with the same facts as approval.pending."""

    routing_key: ClassVar[str] = "approval.reminder_due"
    reminder: int = Field(ge=1, description="1 for the first reminder of this wait, then 2...")
    waiting_since: AwareDatetime = Field(
        description="since when the level waits for approver (entered, or moved to them)"
    )
    escalates_at: AwareDatetime | None = Field(
        default=None,
        description="when the level moves to the cycle's fallback approver if still undecided "
        "(absent: it does not escalate)",
    )


# --- configuration: the user directory ------------------------------------------------------


class UpsertUser(Command):
    """Add or change a user of the approval directory (who they are, who their manager is)."""

    ordering_key: ClassVar[str | None] = "user_id"
    routing_key: ClassVar[str] = "approval.upsert_user"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.user_upserted",)
    acting_person: ClassVar[str | None] = "changed_by"
    user_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    admin: bool = False
    manager_id: Identifier | None = Field(
        default=None,
        description="their manager's user id: not themselves (invalid_manager), and no chain "
        "of managers may lead back to them (manager_cycle)",
    )
    active: bool = Field(
        default=True,
        description="false deactivates them: refused for the last active admin (last_admin), "
        "and while approval requests wait for them unless reassign_to names who takes those "
        "over (requests_waiting)",
    )
    reassign_to: Identifier | None = Field(
        default=None,
        description="with active false: the active user who takes over the approval requests "
        "waiting for this user (not an order's creator; an admin for levels approved by a "
        "named admin or the fallback); each request moved is published as "
        "approval.reassigned",
    )
    changed_by: Identifier

    @model_validator(mode="after")
    def _reassign_only_when_leaving(self) -> UpsertUser:
        if self.reassign_to is not None and self.active:
            raise ValueError("reassign_to is for deactivating a user: give it with active false")
        if self.reassign_to == self.user_id:
            raise ValueError("reassign_to must name another user than the one deactivated")
        return self


class UserUpserted(Event):
    ordering_key: ClassVar[str | None] = "user_id"
    routing_key: ClassVar[str] = "approval.user_upserted"
    user_id: Identifier
    name: str
    email: EmailStr | None
    admin: bool
    manager_id: Identifier | None
    active: bool
    changed_by: Identifier | None = Field(default=None, description="who made the change")
    reassigned_to: Identifier | None = Field(
        default=None, description="who took over the requests that waited for this user"
    )
    reassigned_requests: list[str] = Field(
        default_factory=list,
        description="the approval requests moved to reassigned_to (each also published as "
        "approval.reassigned)",
    )


# --- configuration: cycles and which parties are in them -----------------------------------


class DefineCycle(Command):
    """Create or change an approval cycle; requests already under way keep the old rules."""

    ordering_key: ClassVar[str | None] = "cycle_id"
    routing_key: ClassVar[str] = "approval.define_cycle"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.cycle_defined",)
    acting_person: ClassVar[str | None] = "defined_by"
    cycle_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    order_kind: OrderKind
    levels: list[LevelRule] = Field(min_length=1, max_length=2)
    notify: bool = Field(
        default=True, description="e-mail or not; the default of each notify_* switch below"
    )
    notify_pending: bool | None = Field(
        default=None,
        description="e-mail the approver when a level waits for them, and when that request is "
        "withdrawn (absent: as notify)",
    )
    notify_approved: bool | None = Field(
        default=None,
        description="e-mail the creator when the order is approved (absent: as notify)",
    )
    notify_rejected: bool | None = Field(
        default=None,
        description="e-mail the creator, with the notes, when the order is rejected "
        "(absent: as notify)",
    )
    fallback_approver_id: Identifier | None = Field(
        default=None,
        description="admin who approves a level whose rule cannot be resolved "
        "(required when a level uses the creator's manager, or the cycle escalates)",
    )
    credit_approver_id: Identifier | None = Field(
        default=None,
        description="sales cycles only (refused on a purchase cycle, invalid_message): the "
        "active admin-level user who approves an order of one of "
        "the cycle's customers that takes the customer's exposure above their credit limit, "
        "as a level after the cycle's (unknown_user, approver_not_admin); absent: the "
        "approval-wide credit approver (approval.configure_credit)",
    )
    remind_after: timedelta | None = Field(
        default=None,
        description='a level that waits this long (ISO 8601 duration, e.g. "PT8H", or '
        "seconds) re-notifies its approver (approval.reminder_due), and again each time as "
        "long again passes; absent: no reminders. Must be above zero (invalid_message)",
    )
    escalate_after: timedelta | None = Field(
        default=None,
        description="a level that waits this long for its approver moves to the cycle's "
        "fallback approver (approval.reassigned, reason escalated), once per level; absent: "
        "no escalation. Must be above zero and longer than remind_after (invalid_message); "
        "needs fallback_approver_id (fallback_approver_required)",
    )
    defined_by: Identifier

    @model_validator(mode="after")
    def _intervals(self) -> DefineCycle:
        for name in ("remind_after", "escalate_after"):
            value = getattr(self, name)
            if value is not None and value <= timedelta(0):
                raise ValueError(f"{name} must be above zero")
        if (
            self.remind_after is not None
            and self.escalate_after is not None
            and self.escalate_after <= self.remind_after
        ):
            raise ValueError(
                "escalate_after must be longer than remind_after (a reminder after the "
                "escalation would go to the wrong approver)"
            )
        if self.credit_approver_id is not None and self.order_kind is not OrderKind.SALES:
            raise ValueError(
                "credit_approver_id is for sales cycles: credit limits are customers' (a "
                "purchase cycle has none)"
            )
        return self


class CycleDefined(Event):
    ordering_key: ClassVar[str | None] = "cycle_id"
    routing_key: ClassVar[str] = "approval.cycle_defined"
    cycle_id: Identifier
    name: str
    order_kind: OrderKind
    levels: list[LevelRule]
    notify: bool
    notify_pending: bool | None = Field(default=None, description="absent: as notify")
    notify_approved: bool | None = Field(default=None, description="absent: as notify")
    notify_rejected: bool | None = Field(default=None, description="absent: as notify")
    fallback_approver_id: Identifier | None
    revision: int
    credit_approver_id: Identifier | None = Field(
        default=None, description="the cycle's credit approver (absent: the approval-wide one)"
    )
    remind_after: timedelta | None = None
    escalate_after: timedelta | None = None
    base_currency: CurrencyCode | None = Field(
        default=None,
        description="the currency the levels' above thresholds are in (the approval "
        "service's OMS_APPROVAL_BASE_CURRENCY when the cycle was defined)",
    )


class AssignParty(Command):
    """Put a vendor (purchase cycle) or customer (sales cycle) into a cycle; moves it if needed."""

    ordering_key: ClassVar[str | None] = "party_id"
    routing_key: ClassVar[str] = "approval.assign_party"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.party_assigned",)
    acting_person: ClassVar[str | None] = "assigned_by"
    cycle_id: Identifier
    party_id: Identifier
    assigned_by: Identifier


class PartyAssigned(Event):
    ordering_key: ClassVar[str | None] = "party_id"
    routing_key: ClassVar[str] = "approval.party_assigned"
    order_kind: OrderKind
    party_id: Identifier
    cycle_id: Identifier
    previous_cycle_id: Identifier | None = Field(
        default=None, description="the cycle the party was moved out of, if any"
    )


class UnassignParty(Command):
    """Take a party out of its cycle: its orders are approved automatically from then on."""

    ordering_key: ClassVar[str | None] = "party_id"
    routing_key: ClassVar[str] = "approval.unassign_party"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.party_unassigned",)
    acting_person: ClassVar[str | None] = "unassigned_by"
    cycle_id: Identifier
    party_id: Identifier
    unassigned_by: Identifier


class PartyUnassigned(Event):
    ordering_key: ClassVar[str | None] = "party_id"
    routing_key: ClassVar[str] = "approval.party_unassigned"
    order_kind: OrderKind
    party_id: Identifier
    cycle_id: Identifier


# --- away: delegation ---------------------------------------------------------------------


class SetAway(Command):
    """An approver is away from ``starts_at`` until ``ends_at`` and names a delegate: requests
    that arrive for them meanwhile go to the delegate, and those already waiting for them move
    to the delegate when the range starts (at once if it has started). Setting it again
    replaces the range and delegate."""

    ordering_key: ClassVar[str | None] = "user_id"
    routing_key: ClassVar[str] = "approval.set_away"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.away_set",)
    acting_person: ClassVar[str | None] = "set_by"
    user_id: Identifier = Field(description="the approver who is away")
    delegate_id: Identifier = Field(
        description="who decides for them: an active user of the directory, not the approver "
        "themself (invalid_delegate). A request whose order the delegate created, or whose "
        "level needs an admin and the delegate is none, goes to the cycle's fallback "
        "approver instead (or stays with the approver when there is no usable fallback)"
    )
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="after starts_at")
    set_by: Identifier = Field(
        description="the approver themself or an active admin (not_permitted)"
    )

    @model_validator(mode="after")
    def _range(self) -> SetAway:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class AwaySet(Event):
    ordering_key: ClassVar[str | None] = "user_id"
    routing_key: ClassVar[str] = "approval.away_set"
    user_id: Identifier
    delegate_id: Identifier
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    set_by: Identifier
    moved_requests: list[str] = Field(
        default_factory=list,
        description="the requests that waited for user_id and moved now (the range has "
        "started), each also published as approval.reassigned",
    )


class ClearAway(Command):
    """The approver is back (or will not be away): nothing more goes to their delegate.
    Requests already moved to the delegate stay with them."""

    ordering_key: ClassVar[str | None] = "user_id"
    routing_key: ClassVar[str] = "approval.clear_away"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.away_cleared",)
    acting_person: ClassVar[str | None] = "cleared_by"
    user_id: Identifier
    cleared_by: Identifier = Field(
        description="the approver themself or an active admin (not_permitted)"
    )


class AwayCleared(Event):
    ordering_key: ClassVar[str | None] = "user_id"
    routing_key: ClassVar[str] = "approval.away_cleared"
    user_id: Identifier
    delegate_id: Identifier
    cleared_by: Identifier


# --- decisions ------------------------------------------------------------------------------


class _Decision(Command):
    ordering_key: ClassVar[str | None] = "request_id"
    request_id: str = Field(min_length=1, max_length=80)
    level: int = Field(ge=1, le=3, description="the level being decided, as in approval.pending")
    approver_id: Identifier
    notes: str | None = Field(default=None, max_length=4000)


class ApproveRequest(_Decision):
    """The current level's approver approves (an over-receipt request too: level 1)."""

    routing_key: ClassVar[str] = "approval.approve"
    answered_by: ClassVar[tuple[str, ...]] = (
        "approval.pending",
        "approval.approved",
        "approval.receipt_approved",
    )
    acting_person: ClassVar[str | None] = "approver_id"


class RejectRequest(_Decision):
    """The current level's approver rejects; the cycle ends here, with the notes for the creator."""

    routing_key: ClassVar[str] = "approval.reject"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.rejected", "approval.receipt_rejected")
    acting_person: ClassVar[str | None] = "approver_id"
