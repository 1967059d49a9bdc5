"""Over-receipt requests: a held goods receipt, decided by the vendor's purchase cycle.

A receipt beyond its order's tolerance (``inventory.receipt_held``) opens a request of subject
``over_receipt``, one level: the first level's approver of the purchase cycle the order's
vendor is in, resolved as for the order (the creator's manager or the named admin, the
fallback, then away and delegation), whatever that level's amount threshold; the creator
never decides it. Decided with the ordinary approve and reject. A vendor in no purchase cycle
keeps the rule from before over-receipts could be approved: the request is rejected at once
(refusal ``no_cycle``), and so it is when the cycle has nobody who may approve
(``no_approver``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from services.approval.domain.cycles import Cycle
from services.approval.domain.receipt_events import SYSTEM_ID
from services.approval.domain.requests import SYSTEM, ApprovalRequest
from services.approval.domain.resolution import Resolved
from shared.contracts import LevelRouting, OrderKind, Person
from shared.contracts.receipts import ReceiptFacts

SUBJECT = "over_receipt"
MAX_ID = 80
"""The longest request id a decision command takes."""

assert SYSTEM.user_id == SYSTEM_ID


def receipt_request_id(order_id: str, receipt_id: str) -> str:
    """``<order>:receipt:<receipt>``, or a digest of both when that is too long."""
    readable = f"{order_id}:receipt:{receipt_id}"
    if len(readable) <= MAX_ID:
        return readable
    digest = hashlib.sha256(f"{order_id}\n{receipt_id}".encode()).hexdigest()[:40]
    return f"receipt:{digest}"


def open_receipt_request(
    *,
    order_id: str,
    party_id: str,
    attempt: int,
    creator: Person,
    receipt: ReceiptFacts,
    cycle: Cycle | None,
    approver: Resolved | None,
    now: datetime,
) -> ApprovalRequest:
    """The request for a held receipt: waiting for ``approver``, or refused at once."""
    request = ApprovalRequest(
        id=receipt_request_id(order_id, receipt.receipt_id),
        order_id=order_id,
        order_kind=OrderKind.PURCHASE,
        party_id=party_id,
        attempt=attempt,
        creator=creator,
        opened_at=now,
        subject=SUBJECT,
        receipt=receipt,
    )
    if cycle is None:
        notes = (
            f"Vendor {party_id} is in no purchase approval cycle, and no cycle approves "
            f"over-receipts for it: receive at most the {receipt.tolerance_percent}% "
            "tolerance, or put the vendor in a purchase cycle."
        )
        request.level = 1
        request._reject(1, SYSTEM, notes)  # the rule of ApprovalRequest.open
        return request
    assert approver is not None, "a cycle's approver is resolved before opening"
    request.cycle_id, request.cycle_revision = cycle.id, cycle.revision
    request.emails, request.fallback_approver_id = cycle.emails, cycle.fallback_approver_id
    request.remind_after, request.escalate_after = cycle.remind_after, cycle.escalate_after
    request.levels = cycle.levels[:1]
    request.routing = [
        LevelRouting(
            cycle_level=1,
            applies=True,
            why="over-receipt: the cycle's first level decides it, whatever its threshold",
        )
    ]
    request._enter_level(1, approver, now)  # as ApprovalRequest.open does
    return request
