"""Events the approval service publishes about approval requests (commands come with cycles)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.contracts.base import Event
from shared.contracts.common import Identifier, OrderKind
from shared.names import Approval as N


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
    request_id: str = Field(min_length=1, max_length=80)
    order_id: Identifier
    order_kind: OrderKind
    party_id: Identifier
    attempt: int = Field(ge=1)
    creator: Person
    cycle_id: Identifier | None = None
    notify: bool = False


class ApprovalPending(_RequestFacts):
    """A level of a request now waits for ``approver``."""

    routing_key: ClassVar[str] = N.PENDING
    level: int = Field(ge=1, le=2)
    levels: int = Field(ge=1, le=2)
    approver: Person


class ApprovalApproved(_RequestFacts):
    """The request passed every level (or the party is in no cycle): the order is approved."""

    routing_key: ClassVar[str] = N.APPROVED
    basis: ApprovalBasis
    decisions: list[LevelDecision] = Field(default_factory=list)


class ApprovalRejected(_RequestFacts):
    """A level rejected the request; the cycle ended there."""

    routing_key: ClassVar[str] = N.REJECTED
    level: int = Field(ge=1, le=2)
    approver: Person
    notes: str | None = None
    decisions: list[LevelDecision] = Field(default_factory=list)
