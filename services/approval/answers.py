"""What the approval service's queries answer: requests, cycles and the user directory.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from services.approval.domain.cycles import emails_from_notify
from services.approval.domain.requests import RequestStatus
from shared.contracts import CreditCheck, LevelDecision, LevelRouting, LevelRule, Person
from shared.contracts.common import AS_TEXT, FROM_TEXT, OrderKind
from shared.contracts.receipts import ReceiptFacts
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
    credit: CreditCheck | None = None
    """Sales orders of a customer with a credit limit: the credit check; when it applies, level
    credit.level waits for the credit approver."""
    due_at: datetime | None = None
    """When the next reminder or escalation is due."""
    subject: str = "order"
    """``order``: an order's submission attempt; ``over_receipt``: a goods receipt beyond the
    order's tolerance, held by inventory until this request is decided (``receipt``)."""
    receipt: ReceiptFacts | None = None
    """An over-receipt request's receipt: its id, location, receiver and lines (ordered,
    received so far, offered, allowed by the tolerance, excess)."""
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
    credit_approver_id: str | None = None
    """Who approves an order over its customer's credit limit (None: the approval-wide one)."""
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


Money = Annotated[Decimal, FROM_TEXT, AS_TEXT]


class CreditSettingsAnswer(Answer):
    """The approval-wide credit approver (approval.configure_credit)."""

    credit_approver_id: str | None = None
    revision: int = 0
    configured_by: str | None = None


class CustomerCreditAnswer(Answer):
    """What approval knows of a customer's credit: the limit and the open exposure."""

    customer_id: str
    name: str
    currency: str
    status: str
    limit: Money | None = None
    exposure: Money
    open_orders: int = Field(description="the sales orders counted in exposure")
    record_version: int


class PreviewLevel(Answer):
    """One level of the cycle: whether it would apply, and who would approve it now."""

    level: int = Field(description="the level's number in the cycle")
    rule: str = Field(description="manager (the creator's manager) or named_user")
    approver_id: str | None = Field(
        description="who it would wait for now (after fallback and delegation); null: the "
        "level does not apply, or nobody can approve it (the request would be rejected, "
        "saying why)"
    )
    approver_name: str | None
    delegated_from: str | None = Field(
        description="the away approver whose delegate approver_id is (or whose level went to "
        "the fallback approver)"
    )
    applies: bool
    routing: LevelRouting = Field(description="as the request's routing would say it")


class PreviewCredit(Answer):
    """The credit check a submission would make now."""

    limit: Money
    currency: str
    exposure: Money
    exposure_after: Money
    over_by: Money = Field(description="0 when the order stays within the limit")
    approver_id: str | None = Field(
        description="the credit approver the order would go to, when over the limit (null: "
        "within it, or no credit approver configured: the request would be rejected)"
    )
    approver_name: str | None


class RoutingPreview(Answer):
    """Who would approve an order submitted now, without storing anything: the levels of the
    party's cycle with their thresholds and approvers after delegation, and the credit
    check."""

    kind: OrderKind
    party_id: str
    created_by: str
    total: Money
    currency: str
    auto_approved: bool = Field(
        description="no level applies and the credit check sends it nowhere: approved at once"
    )
    cycle_id: str | None
    levels: list[PreviewLevel]
    credit: PreviewCredit | None = Field(
        description="null: a purchase order, or a customer with no credit limit known to approval"
    )
