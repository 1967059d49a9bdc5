"""An over-receipt request's events: the approval events, as their receipt kinds.

Each event an approval request records (pending, approved, rejected, withdrawn, reassigned,
reminder) is published for an over-receipt request as its own kind, on its own routing key
(``shared.contracts.receipts``), carrying the held receipt: consumers of the order approval
events never take a receipt's decision for the order's.
"""

from __future__ import annotations

from typing import Any

from shared.contracts import ApprovalRejected
from shared.contracts.base import Event
from shared.contracts.receipts import RECEIPT_EVENTS, ReceiptFacts

SYSTEM_ID = "system"
"""Who "decides" a request that nobody may decide (the approval service itself)."""


def refusal(event: ApprovalRejected, *, cycle_id: str | None) -> str:
    """Why an over-receipt was refused: the vendor is in no cycle, nobody may approve it, or
    the approver rejected it."""
    if cycle_id is None:
        return "no_cycle"
    return "no_approver" if event.approver.user_id == SYSTEM_ID else "rejected"


def as_receipt_event(event: Event, receipt: ReceiptFacts, *, cycle_id: str | None) -> Event:
    """``event`` as the over-receipt kind of it (an event with no such kind as it is)."""
    kind = RECEIPT_EVENTS.get(type(event))
    if kind is None:
        return event
    extra: dict[str, Any] = {
        "receipt_id": receipt.receipt_id,
        "location_id": receipt.location_id,
        "received_by": receipt.received_by,
        "lines": receipt.lines,
    }
    if isinstance(event, ApprovalRejected):
        extra["refusal"] = refusal(event, cycle_id=cycle_id)
    return kind(**dict(event), **extra)
