"""Approval requests: one per order submission attempt, decided level by level.

A request for a party in no approval cycle is approved the moment it is opened.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.contracts import (
    ApprovalApproved,
    ApprovalBasis,
    LevelDecision,
    OrderKind,
    Person,
    utcnow,
)
from shared.domain import Aggregate


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def request_id(order_id: str, attempt: int) -> str:
    return f"{order_id}:{attempt}"


class ApprovalRequest(Aggregate):
    order_id: str
    order_kind: OrderKind
    party_id: str
    attempt: int
    creator: Person
    cycle_id: str | None = None
    notify: bool = False
    status: RequestStatus = RequestStatus.PENDING
    decisions: list[LevelDecision] = Field(default_factory=list)
    opened_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None

    @classmethod
    def open_without_cycle(
        cls, *, order_id: str, order_kind: OrderKind, party_id: str, attempt: int, creator: Person
    ) -> ApprovalRequest:
        """The party is in no approval cycle: the order is approved at once."""
        request = cls(
            id=request_id(order_id, attempt),
            order_id=order_id,
            order_kind=order_kind,
            party_id=party_id,
            attempt=attempt,
            creator=creator,
        )
        request._decide(RequestStatus.APPROVED)
        request.record(
            ApprovalApproved(**request._facts(), basis=ApprovalBasis.NO_CYCLE, decisions=[])
        )
        return request

    def _decide(self, status: RequestStatus) -> None:
        self.status = status
        self.decided_at = utcnow()

    def _facts(self) -> dict[str, object]:
        return {
            "request_id": self.id,
            "order_id": self.order_id,
            "order_kind": self.order_kind,
            "party_id": self.party_id,
            "attempt": self.attempt,
            "creator": self.creator,
            "cycle_id": self.cycle_id,
            "notify": self.notify,
        }
