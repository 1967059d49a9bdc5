"""What the approval service's queries answer: requests, cycles and the user directory.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ConfigDict, model_validator

from services.approval.domain.cycles import emails_from_notify
from services.approval.domain.requests import RequestStatus
from shared.contracts import LevelDecision, LevelRouting, LevelRule, Person
from shared.contracts.common import OrderKind
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
