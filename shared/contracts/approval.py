"""Commands of the approval service (cycles, user directory, decisions) and its events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from shared.contracts.base import Command, Event
from shared.contracts.common import Identifier, OrderKind


class ApproverRule(StrEnum):
    CREATOR_MANAGER = "creator_manager"
    NAMED_USER = "named_user"


class LevelRule(BaseModel):
    """Who approves one level: the order creator's manager, or a named admin-level user."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    approver: ApproverRule
    user_id: Identifier | None = None

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


class Person(BaseModel):
    """Who someone is, as the approval service's user directory knows them."""

    model_config = ConfigDict(frozen=True)

    user_id: Identifier
    name: str | None = None
    email: EmailStr | None = None


class LevelDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: int = Field(ge=1, le=2)
    approver: Person
    decision: str = Field(pattern="^(approved|rejected)$")
    notes: str | None = None
    decided_at: datetime


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
    level: int = Field(ge=1, le=2)
    levels: int = Field(ge=1, le=2)
    approver: Person
    via: str | None = Field(
        default=None,
        description="how the approver was found: manager, named or fallback (reassigned: "
        "the level was moved to them when the approver it waited for left)",
    )
    decisions: list[LevelDecision] = Field(
        default_factory=list,
        description="the levels of this attempt decided before this one (level 1's approval "
        "when level 2 waits), in the order they were decided",
    )


class ApprovalApproved(_RequestFacts):
    """The request passed every level (or the party is in no cycle): the order is approved."""

    routing_key: ClassVar[str] = "approval.approved"
    basis: ApprovalBasis
    decisions: list[LevelDecision] = Field(default_factory=list)


class ApprovalRejected(_RequestFacts):
    """A level rejected the request; the cycle ended there."""

    routing_key: ClassVar[str] = "approval.rejected"
    level: int = Field(ge=1, le=2)
    approver: Person
    notes: str | None = None
    decisions: list[LevelDecision] = Field(default_factory=list)


class WithdrawalReason(StrEnum):
    ORDER_CANCELLED = "order_cancelled"
    NEW_ATTEMPT = "new_attempt"


class ApprovalWithdrawn(_RequestFacts):
    """A request that waited for ``approver`` ended undecided: nothing is left for them to do."""

    routing_key: ClassVar[str] = "approval.withdrawn"
    level: int = Field(ge=1, le=2, description="the level that waited, as in approval.pending")
    levels: int = Field(ge=1, le=2)
    approver: Person = Field(description="who the level waited for (told by approval.pending)")
    reason: WithdrawalReason = Field(
        description="order_cancelled: the order was cancelled; new_attempt: the order was "
        "submitted again, and the new attempt has a request of its own"
    )


class ApprovalReassigned(ApprovalPending):
    """A level that waited for a user who left (was deactivated) now waits for ``approver``:
    the same request, moved, with who it moved from and who moved it."""

    routing_key: ClassVar[str] = "approval.reassigned"
    previous_approver: Person = Field(description="who the level waited for until now")
    reassigned_by: Identifier = Field(description="who deactivated the previous approver")
    reason: str = Field(
        default="approver_deactivated",
        description="why it moved: approver_deactivated (approval.upsert_user with "
        "active false and reassign_to)",
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
        "(required when a level uses the creator's manager)",
    )
    defined_by: Identifier


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


# --- decisions ------------------------------------------------------------------------------


class _Decision(Command):
    ordering_key: ClassVar[str | None] = "request_id"
    request_id: str = Field(min_length=1, max_length=80)
    level: int = Field(ge=1, le=2, description="the level being decided, as in approval.pending")
    approver_id: Identifier
    notes: str | None = Field(default=None, max_length=4000)


class ApproveRequest(_Decision):
    """The current level's approver approves."""

    routing_key: ClassVar[str] = "approval.approve"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.pending", "approval.approved")
    acting_person: ClassVar[str | None] = "approver_id"


class RejectRequest(_Decision):
    """The current level's approver rejects; the cycle ends here, with the notes for the creator."""

    routing_key: ClassVar[str] = "approval.reject"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.rejected",)
    acting_person: ClassVar[str | None] = "approver_id"
