"""Over-receipt approval: a goods receipt beyond its order's tolerance, held and decided.

``inventory.receive_goods`` beyond ``OMS_RECEIPT_TOLERANCE_PERCENT`` of an item's ordered
quantity is not refused any more: inventory *holds* the receipt (stored, nothing moved into
stock) and answers ``inventory.receipt_held``. The approval service opens a request of subject
``over_receipt`` for it, waiting for the level-1 approver of the purchase cycle of the order's
vendor (the creator's manager or the named admin, as for the order itself, away/delegation
applied). The approver decides with the ordinary ``approval.approve`` / ``approval.reject``
(``level`` 1). Approved (``approval.receipt_approved``), inventory receives the held receipt
and publishes the usual ``inventory.goods_received`` (with costs); rejected
(``approval.receipt_rejected``), inventory publishes ``inventory.receipt_refused`` with the
approver's notes and receives nothing. A vendor in no purchase cycle keeps the old rule: the
receipt is refused as ``over_receipt`` (approval rejects it at once, saying no cycle approves
over-receipts for the vendor).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.approval import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApprovalReminderDue,
    ApprovalWithdrawn,
)
from shared.contracts.base import Event
from shared.contracts.common import DecimalText, Identifier


class HeldLine(BaseModel):
    """One item of a held receipt, against its order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    ordered: DecimalText = Field(description="the quantity the order ordered")
    received: DecimalText = Field(
        description="received so far against the order, with receipts being received right now"
    )
    offered: DecimalText = Field(description="what this receipt brings")
    allowed: DecimalText = Field(
        description="the most the tolerance lets the order receive: ordered x (1 + tolerance %)"
    )
    excess: DecimalText = Field(
        description="received + offered - allowed when above zero, else 0: what needs approval"
    )


class ReceiptFacts(BaseModel):
    """What a held receipt is: its id, where it was to be received, by whom, and its lines."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    receipt_id: Identifier
    location_id: Identifier
    received_by: Identifier
    tolerance_percent: DecimalText = Field(
        default=Decimal(5), description="the inventory service's OMS_RECEIPT_TOLERANCE_PERCENT"
    )
    lines: list[HeldLine]


# --- inventory ------------------------------------------------------------------------------


class ReceiptHeld(Event):
    """A receipt (``inventory.receive_goods``) would take an item beyond the order's tolerance:
    it is held, nothing moved into stock, and waits for the approval service's decision. It
    answers the ``inventory.receive_goods``. What follows is ``inventory.goods_received``
    (approved) or ``inventory.receipt_refused`` (rejected, the vendor is in no purchase cycle,
    or the order was cancelled or closed meanwhile)."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.receipt_held"
    order_id: Identifier
    party_id: Identifier = Field(description="the order's vendor")
    attempt: int = Field(ge=1, description="the order's submission attempt that was approved")
    receipt_id: Identifier
    location_id: Identifier
    branch_id: Identifier
    received_by: Identifier
    tolerance_percent: DecimalText
    lines: list[HeldLine] = Field(description="each item of the receipt; excess above 0: held")


class ReceiptRefused(Event):
    """A held receipt will not be received: nothing moved into stock. ``reason``:
    ``over_receipt_rejected`` (the approver rejected it, ``notes`` are theirs),
    ``over_receipt`` (the vendor is in no purchase cycle, so nobody may approve it, or the
    cycle has no usable approver: ``detail`` says which), ``order_closed`` (the order was
    cancelled or closed short while the receipt was held)."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.receipt_refused"
    order_id: Identifier
    receipt_id: Identifier
    location_id: Identifier
    branch_id: Identifier | None = None
    received_by: Identifier
    lines: list[HeldLine]
    reason: str = Field(description="over_receipt_rejected, over_receipt or order_closed")
    detail: str = Field(description="a sentence a person can act on")
    decided_by: Identifier | None = Field(
        default=None, description="the approver who rejected it (over_receipt_rejected)"
    )
    notes: str | None = Field(default=None, description="the approver's notes")


# --- approval -------------------------------------------------------------------------------


class _ReceiptFields(BaseModel):
    """The receipt an over-receipt request is about (mixed into the approval events)."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    subject: str = Field(
        default="over_receipt", description="always over_receipt: a held goods receipt"
    )
    receipt_id: Identifier
    location_id: Identifier
    received_by: Identifier = Field(description="who received the goods")
    lines: list[HeldLine] = Field(description="the receipt's items; those with excess need it")


class ReceiptApprovalPending(_ReceiptFields, ApprovalPending):
    """An over-receipt request waits for ``approver`` (the level-1 approver of the vendor's
    purchase cycle; ``level`` and ``levels`` are 1). Decide with ``approval.approve`` or
    ``approval.reject`` naming ``request_id`` and level 1."""

    routing_key: ClassVar[str] = "approval.receipt_pending"


class ReceiptApprovalApproved(_ReceiptFields, ApprovalApproved):
    """The approver approved the over-receipt: inventory receives the held receipt."""

    routing_key: ClassVar[str] = "approval.receipt_approved"


class ReceiptApprovalRejected(_ReceiptFields, ApprovalRejected):
    """The over-receipt is refused: the approver rejected it (``refusal`` rejected, with their
    notes), the vendor is in no purchase cycle (no_cycle) or the cycle has no usable approver
    (no_approver; ``approver`` is then the system and ``notes`` say why)."""

    routing_key: ClassVar[str] = "approval.receipt_rejected"
    refusal: str = Field(default="rejected", description="rejected, no_cycle or no_approver")


class ReceiptApprovalWithdrawn(_ReceiptFields, ApprovalWithdrawn):
    """An over-receipt request that waited for ``approver`` ended undecided: the order was
    cancelled."""

    routing_key: ClassVar[str] = "approval.receipt_withdrawn"


class ReceiptApprovalReassigned(_ReceiptFields, ApprovalReassigned):
    """An over-receipt request moved to another approver (left, away, escalated)."""

    routing_key: ClassVar[str] = "approval.receipt_reassigned"


class ReceiptReminderDue(_ReceiptFields, ApprovalReminderDue):
    """An over-receipt request has waited longer than its cycle's remind_after."""

    routing_key: ClassVar[str] = "approval.receipt_reminder_due"


RECEIPT_EVENTS: dict[type[Event], type[Event]] = {
    ApprovalPending: ReceiptApprovalPending,
    ApprovalApproved: ReceiptApprovalApproved,
    ApprovalRejected: ReceiptApprovalRejected,
    ApprovalWithdrawn: ReceiptApprovalWithdrawn,
    ApprovalReassigned: ReceiptApprovalReassigned,
    ApprovalReminderDue: ReceiptReminderDue,
}
"""Each approval event, as an over-receipt request publishes it (its own routing key)."""
