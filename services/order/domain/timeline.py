"""What happened to a document, service by service: the events about it, in time order.

The order service keeps, on each order, one entry per event it published or learnt about the
order from another service (approval decisions, stock reservations, receipts, issues), so that
one query shows the whole story without reading any other service's data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    GoodsIssued,
    GoodsReceived,
    Message,
    OrderCompleted,
    OrderSubmitted,
    ReservationConfirmed,
    ReservationReleased,
    StockReserved,
)

TIMELINE_LIMIT = 200
"""Entries kept per document; the oldest go first (a document that long is an anomaly)."""


class TimelineEntry(BaseModel):
    at: datetime
    service: str
    event: str
    message_id: str
    summary: str | None = None


def _rejected(message: ApprovalRejected) -> str:
    notes = f": {message.notes}" if message.notes else ""
    return f"rejected at level {message.level} by {message.approver.user_id}{notes}"


def _completed(message: OrderCompleted) -> str | None:
    if not message.closed_short:
        return None
    return f"closed short by {message.completed_by}: {message.reason}"


_SUMMARIES: dict[type[Message], Callable[[Any], str | None]] = {
    OrderSubmitted: lambda m: f"attempt {m.attempt} submitted by {m.submitted_by}",
    ApprovalPending: lambda m: (
        f"level {m.level} of {m.levels} waiting for {m.approver.name or m.approver.user_id}"
    ),
    ApprovalApproved: lambda m: f"approved ({m.basis.value}), attempt {m.attempt}",
    ApprovalRejected: _rejected,
    StockReserved: lambda m: f"stock {m.stock_status.value} at {m.location_id}",
    ReservationConfirmed: lambda m: f"stock {m.stock_status.value} at {m.location_id}, held firm",
    ReservationReleased: lambda m: f"reservation released ({m.reason.value})",
    GoodsReceived: lambda m: f"receipt {m.receipt_id} at {m.location_id}",
    GoodsIssued: lambda m: f"issue {m.issue_id} at {m.location_id}",
    OrderCompleted: _completed,
}


def summarize(message: Message) -> str | None:
    """A line a person reads at a glance; ``None`` when the event's name says it all."""
    summary = _SUMMARIES.get(type(message))
    return summary(message) if summary else None


def entry(message: Message) -> TimelineEntry:
    return TimelineEntry(
        at=message.occurred_at,
        service=message.routing_key.partition(".")[0],
        event=message.routing_key,
        message_id=str(message.message_id),
        summary=summarize(message),
    )
