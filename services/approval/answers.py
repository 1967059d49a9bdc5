"""What the approval service's queries answer: requests, cycles, the user directory and the
routing preview.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from services.approval.domain.cycles import emails_from_notify
from services.approval.domain.requests import RequestStatus
from shared.contracts import ApproverRule, LevelDecision, LevelRouting, LevelRule, Person
from shared.contracts.common import DecimalText, OrderKind
from shared.http import Answer


class EmailSwitches(Answer):
    """Which e-mails are sent: to the approver a level waits for (and when that request is
    withdrawn), and to the creator on approval and on rejection."""

    # A document written before each e-mail had a switch gets the cycle's (see below).
    model_config = ConfigDict(from_attributes=True)

    pending: bool
    approved: bool
    rejected: bool


class ReassignmentAnswer(Answer):
    """A level moved from one approver to another: who, from whom, by whom, when and why
    (approver_deactivated, delegated or escalated; delegated: on_behalf_of is the away
    approver)."""

    level: int
    from_approver: Person
    to_approver: Person
    via: str | None
    by: str
    at: datetime
    reason: str = "approver_deactivated"
    on_behalf_of: Person | None = None


class ApprovalRequestAnswer(Answer):
    """One approval request: an order's attempt, the level it waits for and its decisions."""

    id: str
    order_id: str
    order_kind: OrderKind
    party_id: str
    attempt: int
    creator: Person
    cycle_id: str | None = None
    cycle_revision: int | None = None
    levels: list[LevelRule] = []
    emails: EmailSwitches
    fallback_approver_id: str | None = None
    status: RequestStatus
    level: int = 0
    approver: Person | None = None
    approver_via: str | None = None
    decisions: list[LevelDecision] = []
    reassignments: list[ReassignmentAnswer] = []
    opened_at: datetime
    decided_at: datetime | None = None
    routing: list[LevelRouting] = []
    """Each level of the cycle and whether it applied to the order's total, and why."""
    on_behalf_of: Person | None = None
    """While approver is a delegate: the away approver they decide for."""
    remind_after: timedelta | None = None
    escalate_after: timedelta | None = None
    waiting_since: datetime | None = None
    reminders: int = 0
    escalated: bool = False
    escalation_note: str | None = None
    """Why a level due to escalate stayed (no usable fallback approver)."""
    due_at: datetime | None = None
    """When the next reminder or escalation is due."""
    version: int

    @model_validator(mode="before")
    @classmethod
    def _emails_from_notify(cls, data: Any) -> Any:
        return emails_from_notify(data, default=False)


class CycleAnswer(Answer):
    """One approval cycle: its levels, its e-mails, and the parties assigned to it."""

    id: str
    name: str
    order_kind: OrderKind
    levels: list[LevelRule]
    notify: bool = True
    emails: EmailSwitches
    fallback_approver_id: str | None = None
    remind_after: timedelta | None = None
    escalate_after: timedelta | None = None
    base_currency: str | None = None
    """The currency of the levels' above thresholds."""
    revision: int = 0
    updated_by: str | None = None
    updated_at: datetime
    version: int
    parties: list[str]

    @model_validator(mode="before")
    @classmethod
    def _emails_from_notify(cls, data: Any) -> Any:
        return emails_from_notify(data, default=True)


class AwayAnswer(Answer):
    """An approver's away range and delegate (approval.set_away)."""

    delegate_id: str
    starts_at: datetime
    ends_at: datetime
    set_by: str


class UserAnswer(Answer):
    """One user of the approval directory."""

    id: str
    name: str
    email: str | None = None
    admin: bool = False
    manager_id: str | None = None
    active: bool = True
    updated_at: datetime
    away: AwayAnswer | None = None
    version: int


# --- GET /routing-preview ---------------------------------------------------------------------


class LevelPreviewAnswer(Answer):
    """One level of the cycle, for the order previewed: whether it applies and who would
    approve it."""

    model_config = ConfigDict(from_attributes=True)

    level: int = Field(description="the level's number in the cycle (1 or 2)")
    rule: ApproverRule = Field(description="who the cycle says approves it")
    approver_id: str | None = Field(
        default=None,
        description="who the level would wait for if it started now: the rule's approver, the "
        "cycle's fallback when the rule cannot be used, or the away approver's delegate; null "
        "when the level does not apply, or nobody could approve it (a submission would then be "
        "rejected, saying why)",
    )
    approver_name: str | None = Field(default=None, description="their name in the directory")
    delegated_from: str | None = Field(
        default=None,
        description="the away approver the approver decides for (their delegate, or the "
        "fallback when the delegate may not)",
    )
    applies: bool = Field(description="whether the order's total brings the level in")
    routing: LevelRouting = Field(
        description="the threshold compared, the amount compared with it and why, as the "
        "request would carry it"
    )


class CreditPreviewAnswer(Answer):
    """The customer's credit check, for a sales order previewed."""

    limit: DecimalText
    currency: str
    exposure: DecimalText = Field(description="open orders not invoiced plus unpaid invoices")
    exposure_after: DecimalText = Field(description="exposure with this order")
    over_by: DecimalText = Field(description="how far exposure_after is above the limit")
    approver_id: str | None = None
    approver_name: str | None = None


class RoutingPreview(Answer):
    """Who would approve an order with these facts, were it submitted now; nothing is stored
    or changed. The same rules as ``order.submitted``: the party's cycle for the kind, each
    level's threshold against the total, the approver resolved (fallback, delegate)."""

    model_config = ConfigDict(from_attributes=True)

    kind: OrderKind
    party_id: str
    created_by: str
    total: DecimalText
    currency: str
    auto_approved: bool = Field(
        description="no level applies (or the party is in no cycle) and no credit check sends "
        "it anywhere: a submission would be approved at once"
    )
    cycle_id: str | None = Field(default=None, description="the party's cycle; null: none")
    levels: list[LevelPreviewAnswer] = []
    credit: CreditPreviewAnswer | None = Field(
        default=None, description="the credit check of a sales order; null: none applies"
    )
