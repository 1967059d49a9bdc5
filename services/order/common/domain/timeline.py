"""What happened to a document, service by service: the events about it, in time order.

The order service keeps, on each order, one entry per event it published or learnt about the
order from another service (approval decisions, stock reservations, receipts, issues), so that
one query shows the whole story without reading any other service's data. Quotations, RFQs and
carts keep theirs too, so that an order's story starts with the document it came from.

Each entry names who was behind it (``by``): the person (or calling system) the event names as
acting, the approver of an approval decision, the storefront of a cart event, or the service
itself when nobody asked (a level opened, stock reserved, a quotation expired).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    CartEvent,
    Event,
    GoodsIssued,
    GoodsReceived,
    LevelDecision,
    Message,
    OrderApproved,
    OrderCompleted,
    OrderRejected,
    OrderStockHoldRefused,
    OrderStockHoldRequested,
    OrderSubmitted,
    Person,
    ReservationConfirmed,
    ReservationReleased,
    StockReserved,
)
from shared.contracts.receipts import ReceiptHeld, ReceiptRefused
from shared.domain import Aggregate
from shared.registry import SERVICES

SERVICE_NAMES = frozenset(service.name for service in SERVICES)

TIMELINE_LIMIT = 200
"""Entries kept per document; the oldest go first (a document that long is an anomaly)."""


ByKind = Literal["person", "service", "storefront"]


class TimelineEntry(BaseModel):
    at: datetime
    service: str
    event: str
    message_id: str
    summary: str | None = None
    by: str | None = None
    """Who was behind it: a user id (or calling system), a storefront, or a service."""
    by_kind: ByKind | None = None
    by_name: str | None = None
    """The person's name, when the event carries it (approvers do)."""


Actor = tuple[str, ByKind, str | None]

ACTING_FIELDS = (
    "submitted_by",
    "updated_by",
    "cancelled_by",
    "closed_by",
    "completed_by",
    "received_by",
    "issued_by",
    "reassigned_by",
    "revised_by",
    "sent_by",
    "accepted_by",
    "declined_by",
    "converted_by",
    "recorded_by",
    "chosen_by",
    "created_by",  # last: most events about a document repeat its creator
)
"""The fields that name who acted, most specific first."""


def _person(person: Person) -> Actor:
    if person.user_id == "system":  # the approval service itself (no usable approver)
        return ("approval", "service", person.name)
    return (person.user_id, "person", person.name)


def _reassigner(reassigned_by: str) -> Actor:
    """Who moved a waiting level: a person, or the approval service's own schedule (``system``:
    an escalation, or an away range that started)."""
    if reassigned_by == "system":
        return ("approval", "service", None)
    return (reassigned_by, "person", None)


def _decided(decisions: list[LevelDecision], service: str) -> Actor:
    """The approver of the last level, or the service when no level was needed."""
    return _person(decisions[-1].approver) if decisions else (service, "service", None)


def _order_approved(message: OrderApproved) -> Actor:
    decision = message.decision
    return _decided(decision.decisions if decision else [], "approval")


def _order_rejected(message: OrderRejected) -> Actor:
    if message.decision is not None:
        return _person(message.decision.approver)
    return (message.approver_id or "approval", "person" if message.approver_id else "service", None)


_ACTORS: dict[type[Message], Callable[[Any], Actor]] = {
    ApprovalPending: lambda m: ("approval", "service", None),
    ApprovalReassigned: lambda m: _reassigner(m.reassigned_by),
    ApprovalApproved: lambda m: _decided(m.decisions, "approval"),
    ApprovalRejected: lambda m: _person(m.approver),
    OrderApproved: _order_approved,
    OrderRejected: _order_rejected,
    ReceiptRefused: lambda m: (
        (m.decided_by, "person", None)
        if m.decided_by
        else ("approval" if m.reason == "over_receipt" else "inventory", "service", None)
    ),
}


def _kind_of(acting: str) -> ByKind:
    """A service acting as a caller (billing places renewals), a storefront's checkout, or a
    person."""
    if acting in SERVICE_NAMES:
        return "service"
    return "storefront" if acting.startswith("storefront-") else "person"


def actor(message: Message) -> Actor:
    """Who was behind ``message``: see the module's docstring."""
    if (special := _ACTORS.get(type(message))) is not None:
        return special(message)
    if isinstance(message, CartEvent):
        return (f"storefront-{message.storefront_id}", "storefront", None)
    for name in ACTING_FIELDS:
        if isinstance(value := getattr(message, name, None), str):
            return (value, _kind_of(value), None)
    return (message.routing_key.partition(".")[0], "service", None)


def _rejected(message: ApprovalRejected) -> str:
    notes = f": {message.notes}" if message.notes else ""
    return f"rejected at level {message.level} by {message.approver.user_id}{notes}"


def _completed(message: OrderCompleted) -> str | None:
    if not message.closed_short:
        return None
    return f"closed short by {message.completed_by}: {message.reason}"


def _where(location_id: str | None) -> str:
    """Where stock was held: a branch without a sales location has nowhere to hold it."""
    return f"at {location_id}" if location_id else "(the branch has no sales location)"


_MOVED = {"delegated": "delegated", "escalated": "escalated"}
"""How a level's move reads, by its reason (a deactivated approver's: moved)."""

_SUMMARIES: dict[type[Message], Callable[[Any], str | None]] = {
    OrderSubmitted: lambda m: f"attempt {m.attempt} submitted by {m.submitted_by}",
    OrderStockHoldRequested: lambda m: (
        f"attempt {m.attempt} submitted by {m.submitted_by}: stock to be held before approval"
    ),
    OrderStockHoldRefused: lambda m: (
        "stock short: "
        + ", ".join(
            f"{s.sku} {s.requested} requested, {s.available} available" for s in m.shortages
        )
    ),
    ApprovalPending: lambda m: (
        f"level {m.level} of {m.levels} waiting for {m.approver.name or m.approver.user_id}"
    ),
    ApprovalApproved: lambda m: f"approved ({m.basis.value}), attempt {m.attempt}",
    ApprovalRejected: _rejected,
    ApprovalReassigned: lambda m: (
        f"level {m.level} {_MOVED.get(m.reason, 'moved')} from {m.previous_approver.user_id} "
        f"to {m.approver.name or m.approver.user_id}"
    ),
    StockReserved: lambda m: f"stock {m.stock_status.value} {_where(m.location_id)}",
    ReservationConfirmed: lambda m: (
        f"stock {m.stock_status.value} {_where(m.location_id)}, held firm"
    ),
    ReservationReleased: lambda m: f"reservation released ({m.reason.value})",
    GoodsReceived: lambda m: f"receipt {m.receipt_id} at {m.location_id}",
    GoodsIssued: lambda m: f"issue {m.issue_id} at {m.location_id}",
    ReceiptHeld: lambda m: (
        f"receipt {m.receipt_id} at {m.location_id} held for approval, beyond the "
        f"{m.tolerance_percent}% tolerance: "
        + ", ".join(f"{line.sku} {line.excess} over" for line in m.lines if line.excess > 0)
    ),
    ReceiptRefused: lambda m: f"receipt {m.receipt_id} refused ({m.reason}): {m.detail}",
    OrderCompleted: _completed,
}


def summarize(message: Message) -> str | None:
    """A line a person reads at a glance; ``None`` when the event's name says it all."""
    summary = _SUMMARIES.get(type(message))
    return summary(message) if summary else None


def entry(message: Message) -> TimelineEntry:
    by, kind, name = actor(message)
    return TimelineEntry(
        at=message.occurred_at,
        service=message.routing_key.partition(".")[0],
        event=message.route,
        message_id=str(message.message_id),
        summary=summarize(message),
        by=by,
        by_kind=kind,
        by_name=name,
    )


class Chronicled(Aggregate):
    """A document that keeps the events about it on its own timeline (quotations, RFQs,
    carts), for the timeline of the order it becomes."""

    timeline_limit: ClassVar[int] = TIMELINE_LIMIT
    timeline: list[TimelineEntry] = Field(default_factory=list)

    def record(self, event: Event) -> None:
        super().record(event)
        self.saw(event)

    def saw(self, message: Message) -> None:
        self.timeline = [*self.timeline, entry(message)][-self.timeline_limit :]
